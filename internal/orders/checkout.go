package orders

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"shangyun/internal/audit"
	"shangyun/internal/benefits"
	"shangyun/internal/cart"
	"shangyun/internal/problem"
)

// Carts is what checkout needs of the cart.
type Carts interface {
	Lines(ctx context.Context, enterpriseID int64, ids []int64, lock bool) ([]cart.Line, error)
	Remove(ctx context.Context, enterpriseID int64, ids []int64) error
}

// Benefits is what checkout needs of the subsidy programme.
type Benefits interface {
	Certified(ctx context.Context, enterpriseID int64) (bool, error)
	Candidates(ctx context.Context, enterpriseID int64, lock bool) ([]benefits.Candidate, error)
	Reserve(ctx context.Context, policyID, benefitID, enterpriseID, orderID, amount int64) error
	SharePolicies(ctx context.Context, ids []int64) error
}

// Categories maps every category id to its parent's.
type Categories interface {
	Parents(ctx context.Context) (map[int64]int64, error)
}

// Transactor runs a function in one database transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Deps are what a Checkout works with.
type Deps struct {
	Store      Store
	Carts      Carts
	Benefits   Benefits
	Categories Categories
	Tx         Transactor
	Audit      audit.Recorder
	Now        func() time.Time
}

// Checkout prices and places orders.
type Checkout struct{ Deps }

// NewCheckout returns a Checkout.
func NewCheckout(d Deps) *Checkout {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Checkout{Deps: d}
}

// PriceChanged is returned by Place when the payable total differs from
// what the client expected; Quote is the current one.
type PriceChanged struct{ Quote Quote }

func (e *PriceChanged) Error() string { return "price changed" }

// Quote prices the given cart lines of the enterprise without storing
// anything. Lines of another cart are not_found; lines no longer on sale
// are line_unavailable.
func (c *Checkout) Quote(ctx context.Context, enterpriseID int64, lineIDs []int64) (Quote, error) {
	return c.quote(ctx, enterpriseID, lineIDs, false)
}

func (c *Checkout) quote(ctx context.Context, enterpriseID int64, lineIDs []int64, lock bool) (Quote, error) {
	if len(lineIDs) == 0 || len(lineIDs) > cart.MaxLines {
		return Quote{}, problem.Validation(problem.Field{Field: "cart_item_ids", Code: "length",
			Message: problem.Text{ZH: "请选择 1 到 100 个购物车商品", EN: "must list 1 to 100 cart lines"}})
	}
	lines, err := c.Carts.Lines(ctx, enterpriseID, dedupe(lineIDs), lock)
	if err != nil {
		return Quote{}, err
	}
	if len(lines) != len(dedupe(lineIDs)) {
		return Quote{}, problem.NotFound()
	}
	var gone []cart.Line
	for i := range lines {
		if !lines[i].Available() {
			gone = append(gone, lines[i])
		}
	}
	if gone != nil {
		return Quote{}, cart.Unavailable(gone)
	}

	parents, err := c.Categories.Parents(ctx)
	if err != nil {
		return Quote{}, err
	}
	certified, err := c.Benefits.Certified(ctx, enterpriseID)
	if err != nil {
		return Quote{}, err
	}
	candidates, err := c.Benefits.Candidates(ctx, enterpriseID, lock)
	if err != nil {
		return Quote{}, err
	}
	return price(enterpriseID, lines, parents, certified, candidates), nil
}

func dedupe(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// price splits lines by provider, in ascending provider id, and applies
// the discount rule.
func price(enterpriseID int64, lines []cart.Line, parents map[int64]int64, certified bool,
	candidates []benefits.Candidate) Quote {
	var orders []Order
	index := map[int64]int{}
	for _, l := range lines {
		i, ok := index[l.ProviderID]
		if !ok {
			i = len(orders)
			index[l.ProviderID] = i
			orders = append(orders, Order{EnterpriseID: enterpriseID, ProviderID: l.ProviderID,
				ProviderName: l.ProviderName, Status: StatusSubmitted})
		}
		o := &orders[i]
		o.Lines = append(o.Lines, Line{ProductID: l.ProductID, SpecID: l.SpecID,
			CategoryID: l.CategoryID, ProductName: l.ProductName, SpecName: l.SpecName,
			UnitPriceFen: l.PriceFen, Quantity: l.Quantity, BillingUnit: l.BillingUnit,
			TotalFen: l.TotalFen()})
		o.SubtotalFen += l.TotalFen()
	}
	sortByProvider(orders)

	inputs := make([]benefits.Order, len(orders))
	for i, o := range orders {
		in := benefits.Order{ProviderID: o.ProviderID}
		for _, l := range o.Lines {
			in.Lines = append(in.Lines, benefits.Line{CategoryID: l.CategoryID,
				ParentCategoryID: parents[l.CategoryID], AmountFen: l.TotalFen})
		}
		inputs[i] = in
	}
	q := Quote{Orders: orders}
	for i, r := range benefits.Apply(certified, candidates, inputs) {
		o := &q.Orders[i]
		o.DiscountFen, o.NoDiscountReason = r.DiscountFen, r.Reason
		if r.Candidate != nil {
			cd := r.Candidate
			o.BenefitID, o.PolicyID, o.PolicyVersion, o.PolicyName = cd.BenefitID, cd.PolicyID,
				cd.PolicyVersion, cd.PolicyName
			o.DiscountRate, o.PerOrderCapFen = cd.Rate, cd.CapFen
			for j := range o.Lines {
				o.Lines[j].Covered = r.Covered[j]
			}
		}
		o.PayableFen = o.SubtotalFen - o.DiscountFen
		q.SubtotalFen += o.SubtotalFen
		q.DiscountFen += o.DiscountFen
		q.PayableFen += o.PayableFen
	}
	return q
}

func sortByProvider(orders []Order) {
	for i := 1; i < len(orders); i++ {
		for j := i; j > 0 && orders[j].ProviderID < orders[j-1].ProviderID; j-- {
			orders[j], orders[j-1] = orders[j-1], orders[j]
		}
	}
}

// Place creates the orders of the quote in one transaction: it reserves
// each discount from its benefit and removes the ordered lines from the
// cart. The cart lines and the benefits are locked first (benefits in
// ascending id), so concurrent checkouts of one enterprise queue and a
// quota is never reserved twice. When expected is given and the payable
// total differs, nothing is stored and a *PriceChanged carries the new
// quote.
func (c *Checkout) Place(ctx context.Context, enterpriseID int64, lineIDs []int64,
	expected *int64) (Quote, error) {
	var q Quote
	err := c.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if q, err = c.quote(ctx, enterpriseID, lineIDs, true); err != nil {
			return err
		}
		if expected != nil && *expected != q.PayableFen {
			return &PriceChanged{Quote: q}
		}
		if err := c.Benefits.SharePolicies(ctx, q.policies()); err != nil {
			return err
		}
		now := c.Now().UTC()
		for i := range q.Orders {
			o := &q.Orders[i]
			o.CreatedAt, o.UpdatedAt = now, now
			if err := c.Store.Create(ctx, o); err != nil {
				return err
			}
			err := c.Store.AddEvent(ctx, &Event{OrderID: o.ID, ActorID: enterpriseID,
				ActorRole: "enterprise", Action: ActionSubmit, To: StatusSubmitted, At: now})
			if err != nil {
				return err
			}
			err = c.Audit.Record(ctx, audit.Entry{Action: "order.submit", TargetType: "order",
				TargetID: strconv.FormatInt(o.ID, 10),
				Detail:   "payable_fen=" + strconv.FormatInt(o.PayableFen, 10)})
			if err != nil {
				return err
			}
			if o.DiscountFen > 0 {
				err := c.Benefits.Reserve(ctx, o.PolicyID, o.BenefitID, enterpriseID, o.ID, o.DiscountFen)
				if err != nil {
					return err
				}
			}
		}
		return c.Carts.Remove(ctx, enterpriseID, dedupe(lineIDs))
	})
	if errors.Is(err, benefits.ErrOverdrawn) {
		return Quote{}, problem.New(problem.CodeBudgetExhausted, problem.Text{
			ZH: "优惠额度不足，请重新下单。", EN: "The benefit no longer covers this discount; try again."})
	}
	return q, err
}

// policies lists the policies the quote's discounts draw on, ascending.
func (q Quote) policies() []int64 {
	var ids []int64
	for _, o := range q.Orders {
		if o.DiscountFen > 0 && !slices.Contains(ids, o.PolicyID) {
			ids = append(ids, o.PolicyID)
		}
	}
	slices.Sort(ids)
	return ids
}
