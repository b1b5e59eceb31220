package ordershttp_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shangyun/internal/auth"
	"shangyun/internal/benefits/benefitsdb"
	"shangyun/internal/config"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// stgPrice is the price of the world's main spec: ¥1,000, so that every
// order reserves ¥300 of a ¥10,000 quota and thirty orders fit in it.
const stgPrice = 100000

// stgWorld is one server where a certified enterprise holding the benefit
// of an active policy buys from an approved provider selling one product
// with three specs.
type stgWorld struct {
	s       *testkit.Server
	ent     testkit.User
	prov    testkit.User
	leaf    int64
	product int64
	specs   []int64
	policy  int64

	// checkout serialises orders: a spec added to a cart that already
	// holds it joins the existing line, so two checkouts of one
	// enterprise at once would order each other's lines.
	checkout sync.Mutex
	keys     atomic.Int64
}

// stgOrder is a placed order and the enterprise that placed it.
type stgOrder struct {
	ID          int64
	Ent         testkit.User
	DiscountFen int64
}

// stgDetail is the order body as these tests read it.
type stgDetail struct {
	ID             int64           `json:"id"`
	Status         string          `json:"status"`
	EnterpriseID   int64           `json:"enterprise_id"`
	ProviderID     int64           `json:"provider_id"`
	DiscountFen    int64           `json:"discount_fen"`
	Lines          []struct{}      `json:"lines"`
	Stages         []stgStage      `json:"stages"`
	Events         []stgEvent      `json:"events"`
	Attachments    []stgAttachment `json:"attachments"`
	AllowedActions []string        `json:"allowed_actions"`
	Buyer          *stgBuyer       `json:"buyer"`
}

type stgStage struct {
	Stage string     `json:"stage"`
	State string     `json:"state"`
	At    *time.Time `json:"at"`
}

type stgEvent struct {
	Action       string    `json:"action"`
	ActorID      int64     `json:"actor_id"`
	ActorRole    string    `json:"actor_role"`
	FromStatus   string    `json:"from_status"`
	ToStatus     string    `json:"to_status"`
	Note         string    `json:"note"`
	AttachmentID *int64    `json:"attachment_id"`
	At           time.Time `json:"at"`
}

type stgAttachment struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	SizeBytes   int64  `json:"size_bytes"`
	UploadedBy  int64  `json:"uploaded_by"`
	URL         string `json:"url"`
}

type stgBuyer struct {
	ID          int64  `json:"id"`
	CompanyName string `json:"company_name"`
	ContactName string `json:"contact_name"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
	RegionCode  string `json:"region_code"`
}

// stgBenefit is a claimed benefit's figures.
type stgBenefit struct {
	PolicyID     int64 `json:"policy_id"`
	QuotaFen     int64 `json:"quota_fen"`
	ReservedFen  int64 `json:"reserved_fen"`
	UsedFen      int64 `json:"used_fen"`
	RemainingFen int64 `json:"remaining_fen"`
}

// stgTransitionProblem is the invalid_transition body.
type stgTransitionProblem struct {
	Code           string   `json:"code"`
	CurrentStatus  string   `json:"current_status"`
	AllowedActions []string `json:"allowed_actions"`
}

// stgServer starts a server for these tests. They sign many accounts in
// from one address under a clock that never moves, so the per-address
// sign-in limit is lifted.
func stgServer(t *testing.T, driver string) *testkit.Server {
	t.Helper()
	return testkit.NewServer(t, driver, func(cfg *config.Config) {
		cfg.Auth.AddressPerMinute = 1_000_000
	})
}

func stgNewWorld(t *testing.T, driver string) *stgWorld {
	t.Helper()
	s := stgServer(t, driver)
	w := &stgWorld{s: s, prov: s.NewUser(t, auth.RoleProvider)}
	_, w.leaf = s.Category(t)
	w.product, w.specs = s.Product(t, w.prov, w.leaf, stgPrice, 20000, 30000)
	w.policy = s.ActivePolicy(t, testkit.Policy{})
	w.ent = w.enterprise(t)
	return w
}

// enterprise makes a certified enterprise holding the world's benefit.
func (w *stgWorld) enterprise(t *testing.T, region ...string) testkit.User {
	t.Helper()
	u := w.s.NewUser(t, auth.RoleEnterprise, region...)
	w.s.Certify(t, u)
	w.as(t, u).Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", w.policy), nil).
		Expect(t, http.StatusOK)
	return u
}

func (w *stgWorld) as(t *testing.T, u testkit.User) *testkit.Client {
	return w.s.Client(t).As(u.Access)
}

// party is who acts for role on o.
func (w *stgWorld) party(o stgOrder, role auth.Role) testkit.User {
	if role == auth.RoleEnterprise {
		return o.Ent
	}
	return w.prov
}

// place orders one of each spec for ent, all from the world's provider.
func (w *stgWorld) place(t *testing.T, ent testkit.User, specs ...int64) stgOrder {
	t.Helper()
	if len(specs) == 0 {
		specs = w.specs[:1]
	}
	w.checkout.Lock()
	defer w.checkout.Unlock()

	c := w.as(t, ent)
	var lines []int64
	for _, spec := range specs {
		var line struct {
			ID int64 `json:"id"`
		}
		c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": spec, "quantity": 1}).
			Expect(t, http.StatusCreated).Decode(t, &line)
		lines = append(lines, line.ID)
	}
	var q quote
	c.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": lines},
		testkit.Header("Idempotency-Key", fmt.Sprintf("stg-%d", w.keys.Add(1)))).
		Expect(t, http.StatusCreated).Decode(t, &q)
	if len(q.Orders) != 1 {
		t.Fatalf("checkout made %d orders, want 1", len(q.Orders))
	}
	return stgOrder{ID: q.Orders[0].ID, Ent: ent, DiscountFen: q.Orders[0].DiscountFen}
}

// stgPaths lead from submitted to every status.
var stgPaths = map[string][]string{
	orders.StatusSubmitted:        {},
	orders.StatusContractPending:  {orders.ActionUploadContract},
	orders.StatusContractRejected: {orders.ActionUploadContract, orders.ActionRejectContract},
	orders.StatusInProgress:       {orders.ActionUploadContract, orders.ActionAgreeContract},
	orders.StatusCompletionReported: {orders.ActionUploadContract, orders.ActionAgreeContract,
		orders.ActionUploadCompletionReport},
	orders.StatusCompleted: {orders.ActionUploadContract, orders.ActionAgreeContract,
		orders.ActionUploadCompletionReport, orders.ActionUploadInvoice},
	orders.StatusCancelled: {orders.ActionCancel},
}

// stgStatuses are every status, in the order of the table.
var stgStatuses = []string{orders.StatusSubmitted, orders.StatusContractPending,
	orders.StatusContractRejected, orders.StatusInProgress, orders.StatusCompletionReported,
	orders.StatusCompleted, orders.StatusCancelled}

// stgActions are every action a party takes over HTTP, with the roles
// its route lets through before the order is looked at.
var stgActions = []struct {
	action string
	roles  []auth.Role
}{
	{orders.ActionUploadContract, []auth.Role{auth.RoleProvider}},
	{orders.ActionAgreeContract, []auth.Role{auth.RoleEnterprise}},
	{orders.ActionRejectContract, []auth.Role{auth.RoleEnterprise}},
	{orders.ActionUploadCompletionReport, []auth.Role{auth.RoleProvider}},
	{orders.ActionUploadInvoice, []auth.Role{auth.RoleProvider}},
	{orders.ActionCancel, []auth.Role{auth.RoleEnterprise, auth.RoleProvider}},
}

// stgRoleOf is the role of the table's first row with action.
func stgRoleOf(action string) auth.Role {
	for _, tr := range orders.Table {
		if tr.Action == action {
			return tr.Role
		}
	}
	panic("no transition " + action)
}

// walk moves o from submitted to status, each step by the party the
// table names.
func (w *stgWorld) walk(t *testing.T, o stgOrder, status string) {
	t.Helper()
	for _, action := range stgPaths[status] {
		stgAct(t, w.as(t, w.party(o, stgRoleOf(action))), o.ID, action).Expect(t, http.StatusOK)
	}
}

// orderAt places an order for ent and walks it to status.
func (w *stgWorld) orderAt(t *testing.T, ent testkit.User, status string) stgOrder {
	t.Helper()
	o := w.place(t, ent)
	w.walk(t, o, status)
	return o
}

func stgFile(name string, data []byte) testkit.Form {
	return testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: name, Data: data}}}
}

// stgAct sends action on order id with a body the route accepts.
func stgAct(t *testing.T, c *testkit.Client, id int64, action string) *testkit.Response {
	t.Helper()
	path := fmt.Sprintf("/api/v1/orders/%d", id)
	switch action {
	case orders.ActionUploadContract:
		return c.Do("POST", path+"/contract", stgFile("合同.pdf", pdf))
	case orders.ActionAgreeContract:
		return c.Do("POST", path+"/contract-decision", map[string]string{"decision": "agree"})
	case orders.ActionRejectContract:
		return c.Do("POST", path+"/contract-decision",
			map[string]string{"decision": "reject", "comment": "金额不符"})
	case orders.ActionUploadCompletionReport:
		return c.Do("POST", path+"/completion-report",
			stgFile("竣工报告.jpg", testkit.JPEG(t, 64, 48)))
	case orders.ActionUploadInvoice:
		return c.Do("POST", path+"/invoice", stgFile("发票.pdf", pdf))
	case orders.ActionCancel:
		return c.Do("POST", path+"/cancel", map[string]string{"reason": "需求变更"})
	}
	t.Fatalf("no route for %s", action)
	return nil
}

// detail reads o as u sees it.
func (w *stgWorld) detail(t *testing.T, u testkit.User, id int64) stgDetail {
	t.Helper()
	var d stgDetail
	w.as(t, u).Do("GET", fmt.Sprintf("/api/v1/orders/%d", id), nil).
		Expect(t, http.StatusOK).Decode(t, &d)
	return d
}

// benefit returns ent's benefit of the world's policy.
func (w *stgWorld) benefit(t *testing.T, ent testkit.User) stgBenefit {
	t.Helper()
	var all struct {
		Claimed []stgBenefit `json:"claimed"`
	}
	w.as(t, ent).Do("GET", "/api/v1/benefits", nil).Expect(t, http.StatusOK).Decode(t, &all)
	for _, b := range all.Claimed {
		if b.PolicyID == w.policy {
			return b
		}
	}
	t.Fatalf("no claimed benefit of policy %d in %+v", w.policy, all)
	return stgBenefit{}
}

// ledger lists an order's ledger entries as kind:amount.
func (w *stgWorld) ledger(t *testing.T, orderID int64) []string {
	t.Helper()
	var rows []benefitsdb.LedgerRow
	if err := w.s.App.DB.Where("order_id = ?", orderID).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, fmt.Sprintf("%s:%d", r.Kind, r.AmountFen))
	}
	return out
}

// mails counts the outbox messages addressed to u.
func (w *stgWorld) mails(t *testing.T, u testkit.User) int64 {
	t.Helper()
	var n int64
	err := w.s.App.DB.Table("outbox_messages").Where("to_addr = ?", u.Username+"@test.example").
		Count(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (w *stgWorld) verify(t *testing.T) {
	t.Helper()
	if err := w.s.App.Benefits.Verify(t.Context()); err != nil {
		t.Fatalf("ledger and balances disagree: %v", err)
	}
}
