package orders_test

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// propChecks is how many random orders each database gets. rapid's
// default of 100, each order driven over HTTP, would take minutes on
// MySQL; -rapid.checks or RAPID_CHECKS still decide when given.
const propChecks = 15

func propLowerChecks() {
	if _, ok := os.LookupEnv("RAPID_CHECKS"); ok {
		return
	}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "rapid.checks" })
	if !set {
		_ = flag.Set("rapid.checks", strconv.Itoa(propChecks))
	}
}

// propActor is one of the four accounts that act at random: the two
// parties of every order, and an enterprise and a provider of neither.
type propActor struct {
	name  string
	user  testkit.User
	party bool
}

// propRoutes are the roles each action's route lets through.
var propRoutes = map[string][]auth.Role{
	orders.ActionUploadContract:         {auth.RoleProvider},
	orders.ActionAgreeContract:          {auth.RoleEnterprise},
	orders.ActionRejectContract:         {auth.RoleEnterprise},
	orders.ActionUploadCompletionReport: {auth.RoleProvider},
	orders.ActionUploadInvoice:          {auth.RoleProvider},
	orders.ActionCancel:                 {auth.RoleEnterprise, auth.RoleProvider},
}

var propActions = []string{orders.ActionUploadContract, orders.ActionAgreeContract,
	orders.ActionRejectContract, orders.ActionUploadCompletionReport, orders.ActionUploadInvoice,
	orders.ActionCancel}

var propPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// propReachable is every status the table reaches from submitted.
func propReachable() map[string]bool {
	seen := map[string]bool{orders.StatusSubmitted: true}
	for grew := true; grew; {
		grew = false
		for _, tr := range orders.Table {
			if seen[tr.From] && !seen[tr.To] {
				seen[tr.To], grew = true, true
			}
		}
	}
	return seen
}

// propWant is the answer the table and the scope rules give: the route's
// role check, then the order's parties, then the transition.
func propWant(a propActor, status, action string) int {
	switch {
	case !slices.Contains(propRoutes[action], a.user.Role):
		return http.StatusForbidden
	case !a.party:
		return http.StatusNotFound
	}
	if _, ok := orders.Find(a.user.Role, status, action); ok {
		return http.StatusOK
	}
	return http.StatusConflict
}

// propWorld is the one server of a property run and what it has seen.
type propWorld struct {
	t        *testing.T
	s        *testkit.Server
	ent      testkit.User
	spec     int64
	policy   int64
	actors   []propActor
	keys     int
	reach    map[string]bool
	discount map[int64]int64  // by order
	status   map[int64]string // by order, as last read
}

func propNewWorld(t *testing.T, driver string) *propWorld {
	t.Helper()
	s := testkit.NewServer(t, driver, func(cfg *config.Config) {
		cfg.Auth.AddressPerMinute = 1_000_000
	})
	w := &propWorld{t: t, s: s, reach: propReachable(), discount: map[int64]int64{},
		status: map[int64]string{}}
	prov := s.NewUser(t, auth.RoleProvider)
	_, leaf := s.Category(t)
	// ¥100 an order reserves ¥30 of the ¥10,000 quota: no run exhausts it.
	_, specs := s.Product(t, prov, leaf, 10000)
	w.spec = specs[0]
	w.policy = s.ActivePolicy(t, testkit.Policy{})
	w.ent = w.certified(t)
	w.actors = []propActor{{"enterprise", w.ent, true}, {"provider", prov, true},
		{"another enterprise", w.certified(t), false},
		{"another provider", s.NewUser(t, auth.RoleProvider), false}}
	return w
}

func (w *propWorld) certified(t *testing.T) testkit.User {
	u := w.s.NewUser(t, auth.RoleEnterprise)
	w.s.Certify(t, u)
	w.as(u).Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", w.policy), nil).
		Expect(t, http.StatusOK)
	return u
}

func (w *propWorld) as(u testkit.User) *testkit.Client { return w.s.Client(w.t).As(u.Access) }

// place orders the spec for the enterprise.
func (w *propWorld) place(rt *rapid.T) int64 {
	c := w.as(w.ent)
	var line struct {
		ID int64 `json:"id"`
	}
	r := c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": w.spec, "quantity": 1})
	if r.Status != http.StatusCreated {
		rt.Fatalf("add to cart: %d %s", r.Status, r.Body)
	}
	r.Decode(w.t, &line)
	w.keys++
	r = c.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": []int64{line.ID}},
		testkit.Header("Idempotency-Key", fmt.Sprintf("prop-%d", w.keys)))
	if r.Status != http.StatusCreated {
		rt.Fatalf("order: %d %s", r.Status, r.Body)
	}
	var q struct {
		Orders []struct {
			ID          int64 `json:"id"`
			DiscountFen int64 `json:"discount_fen"`
		} `json:"orders"`
	}
	r.Decode(w.t, &q)
	o := q.Orders[0]
	w.discount[o.ID], w.status[o.ID] = o.DiscountFen, orders.StatusSubmitted
	return o.ID
}

// act sends action on order id as u, with a body the route accepts.
func (w *propWorld) act(u testkit.User, id int64, action string) *testkit.Response {
	c := w.as(u)
	path := fmt.Sprintf("/api/v1/orders/%d", id)
	file := func(name string) testkit.Form {
		return testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: name, Data: propPDF}}}
	}
	switch action {
	case orders.ActionUploadContract:
		return c.Do("POST", path+"/contract", file("合同.pdf"))
	case orders.ActionAgreeContract:
		return c.Do("POST", path+"/contract-decision", map[string]string{"decision": "agree"})
	case orders.ActionRejectContract:
		return c.Do("POST", path+"/contract-decision",
			map[string]string{"decision": "reject", "comment": "金额不符"})
	case orders.ActionUploadCompletionReport:
		return c.Do("POST", path+"/completion-report", file("竣工报告.pdf"))
	case orders.ActionUploadInvoice:
		return c.Do("POST", path+"/invoice", file("发票.pdf"))
	default:
		return c.Do("POST", path+"/cancel", map[string]string{"reason": "需求变更"})
	}
}

// statusOf reads the order's status as its enterprise.
func (w *propWorld) statusOf(rt *rapid.T, id int64) string {
	var d struct {
		Status string `json:"status"`
	}
	r := w.as(w.ent).Do("GET", fmt.Sprintf("/api/v1/orders/%d", id), nil)
	if r.Status != http.StatusOK {
		rt.Fatalf("read order %d: %d %s", id, r.Status, r.Body)
	}
	r.Decode(w.t, &d)
	return d.Status
}

// checkMoney holds the enterprise's benefit to quota = remaining +
// reserved + used, with the discounts of open orders reserved and those of
// completed ones used, and every balance to the ledger.
func (w *propWorld) checkMoney(rt *rapid.T) {
	var all struct {
		Claimed []struct {
			PolicyID     int64 `json:"policy_id"`
			QuotaFen     int64 `json:"quota_fen"`
			ReservedFen  int64 `json:"reserved_fen"`
			UsedFen      int64 `json:"used_fen"`
			RemainingFen int64 `json:"remaining_fen"`
		} `json:"claimed"`
	}
	w.as(w.ent).Do("GET", "/api/v1/benefits", nil).Expect(w.t, http.StatusOK).Decode(w.t, &all)
	if len(all.Claimed) != 1 {
		rt.Fatalf("claimed benefits %+v, want one", all.Claimed)
	}
	b := all.Claimed[0]
	if b.QuotaFen != b.RemainingFen+b.ReservedFen+b.UsedFen {
		rt.Fatalf("benefit %+v: quota is not remaining + reserved + used", b)
	}
	var reserved, used int64
	for id, st := range w.status {
		switch st {
		case orders.StatusCompleted:
			used += w.discount[id]
		case orders.StatusCancelled:
		default:
			reserved += w.discount[id]
		}
	}
	if b.ReservedFen != reserved || b.UsedFen != used {
		rt.Fatalf("benefit %+v: want %d reserved by open orders and %d used by completed ones",
			b, reserved, used)
	}
	if err := w.s.App.Benefits.Verify(rt.Context()); err != nil {
		rt.Fatalf("ledger: %v", err)
	}
}

// step lets a random actor send a random action to order id, and checks
// the answer and the order against the table.
func (w *propWorld) step(rt *rapid.T, id int64) {
	i := rapid.IntRange(0, len(w.actors)-1).Draw(rt, "actor")
	a := w.actors[i]
	action := rapid.SampledFrom(propActions).Draw(rt, "action")
	before := w.status[id]
	r := w.act(a.user, id, action)
	// Read the order before judging the answer, so that the model stays
	// true to the server for the cases rapid runs after a failure.
	after := w.statusOf(rt, id)
	w.status[id] = after

	if want := propWant(a, before, action); r.Status != want {
		rt.Fatalf("%s %s from %s: %d, want %d; %s", a.name, action, before, r.Status, want, r.Body)
	}
	expected := before
	if tr, ok := orders.Find(a.user.Role, before, action); ok && r.Status == http.StatusOK {
		expected = tr.To
	}
	if after != expected {
		rt.Fatalf("%s %s from %s answered %d and left %s, want %s", a.name, action, before,
			r.Status, after, expected)
	}
	if !w.reach[after] {
		rt.Fatalf("status %s is not reachable from submitted", after)
	}
	w.checkMoney(rt)
}

// Random actions by random accounts, over HTTP: a 200 exactly when the
// table allows the action from the order's status for the caller's role
// and the caller is a party, else 403 (the route's role), 404 (not a
// party) or 409 (the table); the order only ever moves along the table;
// and the benefit's money always adds up and agrees with the ledger.
func TestPropertyRandomActionsFollowTheTable(t *testing.T) {
	t.Parallel()
	propLowerChecks()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := propNewWorld(t, driver)
		rapid.Check(t, func(rt *rapid.T) {
			id := w.place(rt)
			steps := rapid.IntRange(1, 8).Draw(rt, "steps")
			for range steps {
				w.step(rt, id)
			}
		})
	})
}
