package ordershttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"shangyun/internal/auth"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// stgEvaluation is a valid evaluation body.
var stgEvaluation = map[string]any{"rating": 4, "usage_report": "运行稳定，服务及时，值得推荐。"}

// stgFromOf is the status an action is first allowed from in the table.
func stgFromOf(action string) string {
	for _, tr := range orders.Table {
		if tr.Action == action {
			return tr.From
		}
	}
	panic("no transition " + action)
}

// stgScopeWorld is a world with an order at every status where some
// action is allowed, and the completed order's files.
type stgScopeWorld struct {
	*stgWorld
	at    map[string]stgOrder
	files []stgAttachment
}

func stgNewScopeWorld(t *testing.T, driver string) *stgScopeWorld {
	t.Helper()
	w := &stgScopeWorld{stgWorld: stgNewWorld(t, driver), at: map[string]stgOrder{}}
	for _, st := range []string{orders.StatusSubmitted, orders.StatusContractPending,
		orders.StatusInProgress, orders.StatusCompletionReported, orders.StatusCompleted} {
		w.at[st] = w.orderAt(t, w.ent, st)
	}
	w.as(t, w.ent).Do("GET", fmt.Sprintf("/api/v1/orders/%d/attachments",
		w.at[orders.StatusCompleted].ID), nil).Expect(t, http.StatusOK).Decode(t, &w.files)
	if len(w.files) != 3 {
		t.Fatalf("completed order has %d files, want 3", len(w.files))
	}
	return w
}

// stgActionOrder pairs every action route with the order it would be
// allowed on, evaluation included.
func (w *stgScopeWorld) actionOrders() map[string]stgOrder {
	out := map[string]stgOrder{"evaluate": w.at[orders.StatusCompleted]}
	for _, a := range stgActions {
		out[a.action] = w.at[stgFromOf(a.action)]
	}
	return out
}

// stgTry sends action, or the evaluation, on order id.
func stgTry(t *testing.T, c *testkit.Client, id int64, action string) *testkit.Response {
	t.Helper()
	if action == "evaluate" {
		return c.Do("POST", fmt.Sprintf("/api/v1/orders/%d/evaluation", id), stgEvaluation)
	}
	return stgAct(t, c, id, action)
}

// Another enterprise, another provider and a reviewer of another city
// find no trace of the order: its detail, its files, a download and every
// action they could send are 404; a reviewer's actions are refused by
// role before that. A file of one order is not reachable through
// another, and orders or files that do not exist are 404 too. Nothing
// moves.
func TestScopeOutsidersSeeNothing(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewScopeWorld(t, driver)
		otherEnt := w.enterprise(t)
		outsiders := map[string]testkit.User{
			"another enterprise": otherEnt,
			"another provider":   w.s.NewUser(t, auth.RoleProvider),
			"reviewer of 410200": w.s.NewUser(t, auth.RoleReviewer, "410200"),
		}
		// One after the other: the checks after the loop must see all of
		// them done, and each takes well under a second.
		for name, u := range outsiders {
			t.Run(name, func(t *testing.T) { stgCheckOutsider(t, w, u) })
		}

		for _, path := range []string{"/api/v1/orders/999999", "/api/v1/orders/999999/attachments",
			fmt.Sprintf("/api/v1/orders/999999/attachments/%d", w.files[0].ID),
			fmt.Sprintf("/api/v1/orders/%d/attachments/999999", w.at[orders.StatusCompleted].ID)} {
			w.as(t, w.ent).Do("GET", path, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		}
		own := w.place(t, otherEnt)
		for _, f := range w.files {
			w.as(t, otherEnt).Do("GET", fmt.Sprintf("/api/v1/orders/%d/attachments/%d", own.ID, f.ID),
				nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		}
		for status, o := range w.at {
			if d := w.detail(t, w.ent, o.ID); d.Status != status {
				t.Errorf("outsiders moved an order from %s to %s", status, d.Status)
			}
		}
		w.verify(t)
	})
}

func stgCheckOutsider(t *testing.T, w *stgScopeWorld, u testkit.User) {
	c := w.as(t, u)
	for _, o := range w.at {
		path := fmt.Sprintf("/api/v1/orders/%d", o.ID)
		c.Do("GET", path, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		c.Do("GET", path+"/attachments", nil).ExpectProblem(t, http.StatusNotFound, "not_found")
	}
	for _, f := range w.files {
		c.Do("GET", f.URL, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
	}
	for action, o := range w.actionOrders() {
		r := stgTry(t, c, o.ID, action)
		if stgRouteOf(action, u.Role) {
			r.ExpectProblem(t, http.StatusNotFound, "not_found")
		} else {
			r.ExpectProblem(t, http.StatusForbidden, "forbidden")
		}
	}
}

// stgRouteOf tells whether action's route lets role through.
func stgRouteOf(action string, role auth.Role) bool {
	if action == "evaluate" {
		return role == auth.RoleEnterprise
	}
	for _, a := range stgActions {
		if a.action == action {
			return stgRouteLets(a.roles, role)
		}
	}
	return false
}

// Reviewers whose region covers the enterprise's county, and admins, read
// the order, its files and downloads, with the buyer block, but may not
// act on it nor list orders. The provider gets the buyer block; the
// enterprise does not.
func TestScopeOverseersAndTheBuyerBlock(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewScopeWorld(t, driver)
		var me stgBuyer
		w.as(t, w.ent).Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK).Decode(t, &me)
		if me.RegionCode != "410102" || me.Phone == "" || me.Email == "" {
			t.Fatalf("enterprise %+v: want a full profile in 410102", me)
		}
		overseers := map[string]testkit.User{
			"reviewer of 410100": w.s.NewUser(t, auth.RoleReviewer, "410100"),
			"reviewer of 410000": w.s.NewUser(t, auth.RoleReviewer, "410000"),
			"reviewer of 410102": w.s.NewUser(t, auth.RoleReviewer, "410102"),
			"admin":              w.s.NewUser(t, auth.RoleAdmin),
		}
		for name, u := range overseers {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				stgCheckOverseer(t, w, u, me)
			})
		}
		t.Run("provider", func(t *testing.T) {
			t.Parallel()
			for _, o := range w.at {
				d := w.detail(t, w.prov, o.ID)
				if diff := cmp.Diff(&me, d.Buyer); diff != "" {
					t.Errorf("buyer block (-want +got):\n%s", diff)
				}
			}
		})
		t.Run("enterprise", func(t *testing.T) {
			t.Parallel()
			for _, o := range w.at {
				var raw map[string]json.RawMessage
				w.as(t, w.ent).Do("GET", fmt.Sprintf("/api/v1/orders/%d", o.ID), nil).
					Expect(t, http.StatusOK).Decode(t, &raw)
				if _, ok := raw["buyer"]; ok {
					t.Errorf("the enterprise is shown a buyer block: %s", raw["buyer"])
				}
			}
		})
	})
}

func stgCheckOverseer(t *testing.T, w *stgScopeWorld, u testkit.User, buyer stgBuyer) {
	c := w.as(t, u)
	for status, o := range w.at {
		d := w.detail(t, u, o.ID)
		if d.Status != status || d.EnterpriseID != w.ent.ID {
			t.Errorf("order %d: %s of %d, want %s of %d", o.ID, d.Status, d.EnterpriseID, status,
				w.ent.ID)
		}
		if diff := cmp.Diff(&buyer, d.Buyer); diff != "" {
			t.Errorf("buyer block (-want +got):\n%s", diff)
		}
		if len(d.AllowedActions) != 0 {
			t.Errorf("%s may take %v", u.Role, d.AllowedActions)
		}
	}
	var list []stgAttachment
	c.Do("GET", fmt.Sprintf("/api/v1/orders/%d/attachments", w.at[orders.StatusCompleted].ID), nil).
		Expect(t, http.StatusOK).Decode(t, &list)
	if diff := cmp.Diff(w.files, list); diff != "" {
		t.Errorf("attachments (-party +%s):\n%s", u.Role, diff)
	}
	got := c.Do("GET", w.files[0].URL, nil).Expect(t, http.StatusOK)
	if string(got.Body) != string(pdf) {
		t.Error("the contract downloaded differs from the one uploaded")
	}
	for action, o := range w.actionOrders() {
		stgTry(t, c, o.ID, action).ExpectProblem(t, http.StatusForbidden, "forbidden")
	}
	c.Do("GET", "/api/v1/orders", nil).ExpectProblem(t, http.StatusForbidden, "forbidden")
}

// stgListed is an order as the list test placed it.
type stgListed struct {
	id     int64
	ent    int64
	prov   int64
	status string
}

type stgSummary struct {
	ID           int64  `json:"id"`
	Status       string `json:"status"`
	EnterpriseID int64  `json:"enterprise_id"`
	ProviderID   int64  `json:"provider_id"`
}

type stgPage struct {
	Items    []stgSummary `json:"items"`
	Page     int          `json:"page"`
	PageSize int          `json:"page_size"`
	Total    int64        `json:"total"`
}

var stgGroups = map[string]func(status string) bool{
	"":          func(string) bool { return true },
	"all":       func(string) bool { return true },
	"completed": func(s string) bool { return s == orders.StatusCompleted },
	"cancelled": func(s string) bool { return s == orders.StatusCancelled },
	"open": func(s string) bool {
		return s != orders.StatusCompleted && s != orders.StatusCancelled
	},
}

// Each party lists its own orders, newest first, by group: an enterprise
// those it placed, a provider those placed with it. Pages of one walk the
// list without overlap; a page past the end is empty with the true total.
// Reviewers and admins have no list.
func TestScopeListsByGroupAndPage(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		ent2 := w.enterprise(t)
		prov2 := w.s.NewUser(t, auth.RoleProvider)
		_, specs2 := w.s.Product(t, prov2, w.leaf, 50000)
		var placed []stgListed
		add := func(ent testkit.User, spec int64, prov testkit.User, status string) {
			o := w.place(t, ent, spec)
			w.walk(t, o, status)
			placed = append(placed, stgListed{o.ID, ent.ID, prov.ID, status})
		}
		for _, st := range []string{orders.StatusSubmitted, orders.StatusCompleted,
			orders.StatusCancelled, orders.StatusInProgress, orders.StatusContractRejected,
			orders.StatusCompleted, orders.StatusCancelled} {
			add(w.ent, w.specs[0], w.prov, st)
		}
		add(w.ent, specs2[0], prov2, orders.StatusSubmitted)
		add(w.ent, specs2[0], prov2, orders.StatusCancelled)
		add(ent2, w.specs[0], w.prov, orders.StatusCompleted)
		add(ent2, w.specs[0], w.prov, orders.StatusSubmitted)

		viewers := []struct {
			u    testkit.User
			mine func(stgListed) bool
		}{
			{w.ent, func(o stgListed) bool { return o.ent == w.ent.ID }},
			{ent2, func(o stgListed) bool { return o.ent == ent2.ID }},
			{w.prov, func(o stgListed) bool { return o.prov == w.prov.ID }},
			{prov2, func(o stgListed) bool { return o.prov == prov2.ID }},
		}
		for _, v := range viewers {
			t.Run(v.u.Username, func(t *testing.T) {
				t.Parallel()
				for group, in := range stgGroups {
					want := []int64{}
					for _, o := range placed {
						if v.mine(o) && in(o.status) {
							want = append(want, o.id)
						}
					}
					sort.Slice(want, func(i, j int) bool { return want[i] > want[j] })
					stgCheckList(t, w.as(t, v.u), group, want)
				}
			})
		}
		t.Run("refused", func(t *testing.T) {
			t.Parallel()
			c := w.as(t, w.ent)
			for _, q := range []string{"status=bogus", "status=OPEN", "page_size=0",
				"page_size=101", "page=0"} {
				c.Do("GET", "/api/v1/orders?"+q, nil, testkit.Raw()).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			}
			for _, role := range []auth.Role{auth.RoleReviewer, auth.RoleAdmin} {
				w.as(t, w.s.NewUser(t, role)).Do("GET", "/api/v1/orders?status=all", nil).
					ExpectProblem(t, http.StatusForbidden, "forbidden")
			}
		})
	})
}

// stgCheckList reads group's list whole and a page at a time.
func stgCheckList(t *testing.T, c *testkit.Client, group string, want []int64) {
	t.Helper()
	q := ""
	if group != "" {
		q = "&status=" + group
	}
	var whole stgPage
	c.Do("GET", "/api/v1/orders?page_size=100"+q, nil).Expect(t, http.StatusOK).Decode(t, &whole)
	if diff := cmp.Diff(want, stgIDs(whole.Items)); diff != "" || whole.Total != int64(len(want)) {
		t.Errorf("group %q: total %d, want %d; ids (-want +got):\n%s", group, whole.Total,
			len(want), diff)
	}
	for _, o := range whole.Items {
		if !stgGroups[group](o.Status) {
			t.Errorf("group %q lists a %s order", group, o.Status)
		}
	}

	walked := []int64{}
	for page := 1; page <= len(want)+1; page++ {
		var p stgPage
		c.Do("GET", fmt.Sprintf("/api/v1/orders?page_size=1&page=%d%s", page, q), nil).
			Expect(t, http.StatusOK).Decode(t, &p)
		if p.Total != int64(len(want)) || p.Page != page || p.PageSize != 1 {
			t.Errorf("group %q page %d: page %d of size %d, total %d, want total %d", group, page,
				p.Page, p.PageSize, p.Total, len(want))
		}
		if page > len(want) {
			if p.Items == nil || len(p.Items) != 0 {
				t.Errorf("group %q: page past the end has items %v, want []", group, p.Items)
			}
			continue
		}
		walked = append(walked, stgIDs(p.Items)...)
	}
	if diff := cmp.Diff(want, walked); diff != "" {
		t.Errorf("group %q walked a page at a time (-want +got):\n%s", group, diff)
	}
}

func stgIDs(items []stgSummary) []int64 {
	out := []int64{}
	for _, o := range items {
		out = append(out, o.ID)
	}
	return out
}

// stgStatements counts the SQL statements GORM runs while armed.
type stgStatements struct {
	armed atomic.Bool
	n     atomic.Int64
}

// stgCountStatements registers a counter on every kind of statement of
// db. Registering changes db's callbacks, so no request may run
// meanwhile.
func stgCountStatements(t *testing.T, db *gorm.DB) *stgStatements {
	t.Helper()
	c := &stgStatements{}
	count := func(*gorm.DB) {
		if c.armed.Load() {
			c.n.Add(1)
		}
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("stg:count", count),
		cb.Row().After("gorm:row").Register("stg:count", count),
		cb.Raw().After("gorm:raw").Register("stg:count", count),
		cb.Create().After("gorm:create").Register("stg:count", count),
		cb.Update().After("gorm:update").Register("stg:count", count),
		cb.Delete().After("gorm:delete").Register("stg:count", count),
	} {
		if err != nil {
			t.Fatalf("register statement counter: %v", err)
		}
	}
	return c
}

// during returns how many statements c's GET path took, the sign-in
// lookup included.
func (s *stgStatements) during(t *testing.T, c *testkit.Client, path string) int64 {
	t.Helper()
	s.n.Store(0)
	s.armed.Store(true)
	c.Do("GET", path, nil).Expect(t, http.StatusOK)
	s.armed.Store(false)
	return s.n.Load()
}

// The order list and the order detail take a fixed number of statements,
// whatever the page size, the number of lines or of events. The test is
// sequential on its own server so that only the measured request counts.
func TestScopeReadsRunFixedStatements(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := stgNewWorld(t, driver)
		for range 8 {
			w.place(t, w.ent)
		}
		lean := w.place(t, w.ent)
		rich := w.place(t, w.ent, w.specs...)
		w.walk(t, rich, orders.StatusContractRejected)
		stgAct(t, w.as(t, w.prov), rich.ID, orders.ActionUploadContract).Expect(t, http.StatusOK)
		dl, dr := w.detail(t, w.ent, lean.ID), w.detail(t, w.ent, rich.ID)
		if len(dl.Lines) != 1 || len(dl.Events) != 1 || len(dr.Lines) != 3 || len(dr.Events) != 4 {
			t.Fatalf("lean order %d lines %d events, rich %d lines %d events", len(dl.Lines),
				len(dl.Events), len(dr.Lines), len(dr.Events))
		}

		counter := stgCountStatements(t, w.s.App.DB)
		for _, u := range []testkit.User{w.ent, w.prov} {
			c := w.as(t, u)
			one := counter.during(t, c, "/api/v1/orders?page_size=1")
			twenty := counter.during(t, c, "/api/v1/orders?page_size=20")
			if one != twenty || one == 0 {
				t.Errorf("%s list: %d statements for 1 order, %d for 10", u.Role, one, twenty)
			}
			small := counter.during(t, c, fmt.Sprintf("/api/v1/orders/%d", lean.ID))
			big := counter.during(t, c, fmt.Sprintf("/api/v1/orders/%d", rich.ID))
			if small != big || small == 0 {
				t.Errorf("%s detail: %d statements for 1 line and 1 event, %d for 3 lines and "+
					"4 events", u.Role, small, big)
			}
			t.Logf("%s: list %d statements, detail %d", u.Role, one, small)
		}
	})
}
