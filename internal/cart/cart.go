// Package cart owns the enterprise's shopping cart (我的购物车): specs and
// quantities kept until ordered, shown with the product as it is now.
package cart

import (
	"context"
	"time"

	"shangyun/internal/auth"
	"shangyun/internal/problem"
)

// Limits of a cart.
const (
	MaxLines    = 100
	MaxQuantity = 9999
)

// Reasons a line cannot be ordered.
const (
	ReasonSpecInactive       = "spec_inactive"
	ReasonProductUnavailable = "product_unavailable"
)

// Line is a cart line with its spec and product as they are now.
type Line struct {
	ID                int64
	EnterpriseID      int64
	SpecID            int64
	Quantity          int
	SpecName          string
	PriceFen          int64
	BillingUnit       string
	SpecActive        bool
	ProductID         int64
	ProductName       string
	ProductCoverID    int64
	CategoryID        int64
	ProductPublic     bool
	ProviderID        int64
	ProviderName      string
	CreatedAt         time.Time
	UnavailableReason string
}

// TotalFen is the line's price.
func (l Line) TotalFen() int64 { return l.PriceFen * int64(l.Quantity) }

// Available reports whether the line can be ordered, and why not.
func (l *Line) Available() bool {
	switch {
	case !l.ProductPublic:
		l.UnavailableReason = ReasonProductUnavailable
	case !l.SpecActive:
		l.UnavailableReason = ReasonSpecInactive
	default:
		l.UnavailableReason = ""
		return true
	}
	return false
}

// Store keeps carts. Methods join the transaction ctx carries.
type Store interface {
	// Lines returns the enterprise's lines, oldest first; with ids, only
	// those (others' lines are left out).
	Lines(ctx context.Context, enterpriseID int64, ids []int64, lock bool) ([]Line, error)
	// Add puts quantity of a spec in the cart, adding to an existing line.
	Add(ctx context.Context, enterpriseID, specID int64, quantity int, at time.Time) (int64, error)
	SetQuantity(ctx context.Context, enterpriseID, id int64, quantity int, at time.Time) error
	Remove(ctx context.Context, enterpriseID int64, ids []int64) error
	Count(ctx context.Context, enterpriseID int64) (int64, error)
	// Spec returns the line a spec would make, without storing it.
	Spec(ctx context.Context, specID int64) (Line, error)
}

// Transactor runs a function in one database transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Service carries out the cart rules.
type Service struct {
	Store Store
	Tx    Transactor
	Now   func() time.Time
}

// Lines returns the caller's cart with each line's availability.
func (s *Service) Lines(ctx context.Context, p auth.Principal) ([]Line, error) {
	lines, err := s.Store.Lines(ctx, p.UserID, nil, false)
	for i := range lines {
		lines[i].Available()
	}
	return lines, err
}

func quantityField(q int) []problem.Field {
	if q < 1 || q > MaxQuantity {
		return []problem.Field{{Field: "quantity", Code: "range",
			Message: problem.Text{ZH: "数量须在 1 到 9999 之间", EN: "must be 1 to 9999"}}}
	}
	return nil
}

// Add puts a spec in the cart, adding to its line when there is one. The
// spec must be on sale (line_unavailable otherwise); a cart holds at most
// 100 lines, and a line at most 9999.
func (s *Service) Add(ctx context.Context, p auth.Principal, specID int64, quantity int) (Line, error) {
	if fs := quantityField(quantity); fs != nil {
		return Line{}, problem.Validation(fs...)
	}
	var id int64
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		l, err := s.Store.Spec(ctx, specID)
		if err != nil {
			return err
		}
		if !l.Available() {
			return unavailable([]int64{specID})
		}
		existing, err := s.Store.Lines(ctx, p.UserID, nil, true)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.SpecID == specID && e.Quantity+quantity > MaxQuantity {
				return problem.Validation(quantityField(e.Quantity + quantity)...)
			}
		}
		if len(existing) >= MaxLines && !holds(existing, specID) {
			return problem.Validation(problem.Field{Field: "spec_id", Code: "cart_full",
				Message: problem.Text{ZH: "购物车最多 100 行", EN: "a cart holds at most 100 lines"}})
		}
		id, err = s.Store.Add(ctx, p.UserID, specID, quantity, s.Now().UTC())
		return err
	})
	if err != nil {
		return Line{}, err
	}
	return s.line(ctx, p, id)
}

func holds(lines []Line, specID int64) bool {
	for _, l := range lines {
		if l.SpecID == specID {
			return true
		}
	}
	return false
}

func (s *Service) line(ctx context.Context, p auth.Principal, id int64) (Line, error) {
	lines, err := s.Store.Lines(ctx, p.UserID, []int64{id}, false)
	if err != nil {
		return Line{}, err
	}
	if len(lines) == 0 {
		return Line{}, problem.NotFound()
	}
	lines[0].Available()
	return lines[0], nil
}

// SetQuantity changes a line's quantity.
func (s *Service) SetQuantity(ctx context.Context, p auth.Principal, id int64, quantity int) (Line, error) {
	if fs := quantityField(quantity); fs != nil {
		return Line{}, problem.Validation(fs...)
	}
	if err := s.Store.SetQuantity(ctx, p.UserID, id, quantity, s.Now().UTC()); err != nil {
		return Line{}, err
	}
	return s.line(ctx, p, id)
}

// Remove deletes a line of the caller's cart.
func (s *Service) Remove(ctx context.Context, p auth.Principal, id int64) error {
	if _, err := s.line(ctx, p, id); err != nil {
		return err
	}
	return s.Store.Remove(ctx, p.UserID, []int64{id})
}

// unavailable is the line_unavailable problem naming the specs.
func unavailable(specIDs []int64) error {
	p := problem.New(problem.CodeLineUnavailable, problem.Text{
		ZH: "所选商品已下架或规格已停用。", EN: "A chosen spec or product is no longer on sale."})
	p.Extra = map[string]any{"spec_ids": specIDs}
	return p
}

// Unavailable is the line_unavailable problem for cart lines.
func Unavailable(lines []Line) error {
	ids := make([]int64, len(lines))
	for i, l := range lines {
		ids[i] = l.SpecID
	}
	return unavailable(ids)
}
