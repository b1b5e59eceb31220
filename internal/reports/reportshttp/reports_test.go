package reportshttp_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/testkit"
)

var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// Steps an order is walked through after checkout.
const (
	contract       = "contract"
	agree          = "agree"
	rejectContract = "reject_contract"
	completion     = "completion_report"
	invoice        = "invoice"
	cancel         = "cancel"
)

// world is one server holding the fixed data set every report is
// checked against. It is built by one goroutine before any subtest runs;
// the subtests only read it.
type world struct {
	s      *testkit.Server
	prov   testkit.User
	admin  testkit.User
	e1     testkit.User // an enterprise, for the refusals
	p1, p2 int64
	specs  map[int64]int64 // spec id by price

	tokens map[int64]string // access tokens valid at the clock's time
	keys   int
}

// token returns an access token of u, signing in again when the clock
// has moved since u last did.
func (w *world) token(t *testing.T, u testkit.User) string {
	t.Helper()
	tok, ok := w.tokens[u.ID]
	if !ok {
		var session struct {
			AccessToken string `json:"access_token"`
		}
		w.s.Client(t).Do("POST", "/api/v1/auth/login",
			map[string]string{"login": u.Username, "password": u.Password}).
			Expect(t, http.StatusOK).Decode(t, &session)
		tok = session.AccessToken
		w.tokens[u.ID] = tok
	}
	return tok
}

// as returns a client signed in as u.
func (w *world) as(t *testing.T, u testkit.User) *testkit.Client {
	t.Helper()
	return w.s.Client(t).As(w.token(t, u))
}

// advance moves the clock. Access tokens live 15 minutes of it, so every
// one held is dropped.
func (w *world) advance(d time.Duration) {
	w.s.Clock.Advance(d)
	clear(w.tokens)
}

// enterprise registers an enterprise in county at the clock's time.
func (w *world) enterprise(t *testing.T, county string) testkit.User {
	t.Helper()
	u := w.s.NewUser(t, auth.RoleEnterprise, county)
	w.tokens[u.ID] = u.Access
	return u
}

// submit sends a certification over HTTP and returns its id.
func (w *world) submit(t *testing.T, u testkit.User) int64 {
	t.Helper()
	f := testkit.Form{
		Fields: map[string]string{
			"company_name":                   "测试企业" + u.Username,
			"unified_social_credit_code":     testkit.CreditCode(),
			"legal_representative":           "张三",
			"legal_representative_id_number": "410102199003071230",
		},
		Files: map[string]testkit.FilePart{
			"business_license": {Name: "执照.jpg", Data: testkit.JPEG(t, 800, 600)},
			"id_card_front":    {Name: "front.png", Data: testkit.PNG(t, 640, 420)},
			"id_card_back":     {Name: "back.png", Data: testkit.PNG(t, 640, 420)},
		},
	}
	var c struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	w.as(t, u).Do("POST", "/api/v1/certifications", f).Expect(t, http.StatusCreated).Decode(t, &c)
	if c.Status != "pending" {
		t.Fatalf("new certification is %s, want pending", c.Status)
	}
	return c.ID
}

func (w *world) claim(t *testing.T, u testkit.User, policy int64) {
	t.Helper()
	w.as(t, u).Do("POST", fmt.Sprintf("/api/v1/benefits/%d/claim", policy), nil).
		Expect(t, http.StatusOK)
}

// order checks out one unit of the spec priced price for u, checks the
// discount the checkout gave, walks the order through steps and returns
// its id.
func (w *world) order(t *testing.T, u testkit.User, price, discount int64, steps ...string) int64 {
	t.Helper()
	c := w.as(t, u)
	var line struct {
		ID int64 `json:"id"`
	}
	c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": w.specs[price], "quantity": 1}).
		Expect(t, http.StatusCreated).Decode(t, &line)
	w.keys++
	var q struct {
		Orders []struct {
			ID          int64 `json:"id"`
			DiscountFen int64 `json:"discount_fen"`
		} `json:"orders"`
	}
	c.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": []int64{line.ID}},
		testkit.Header("Idempotency-Key", fmt.Sprintf("report-%d", w.keys))).
		Expect(t, http.StatusCreated).Decode(t, &q)
	if len(q.Orders) != 1 || q.Orders[0].DiscountFen != discount {
		t.Fatalf("checkout of %d fen for %s: %+v, want one order with discount %d",
			price, u.Username, q.Orders, discount)
	}

	path := fmt.Sprintf("/api/v1/orders/%d", q.Orders[0].ID)
	file := func(name string, data []byte) testkit.Form {
		return testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: name, Data: data}}}
	}
	for _, step := range steps {
		ent, prov := w.as(t, u), w.as(t, w.prov)
		switch step {
		case contract:
			prov.Do("POST", path+"/contract", file("合同.pdf", pdf)).Expect(t, http.StatusOK)
		case agree:
			ent.Do("POST", path+"/contract-decision", map[string]string{"decision": "agree"}).
				Expect(t, http.StatusOK)
		case rejectContract:
			ent.Do("POST", path+"/contract-decision",
				map[string]string{"decision": "reject", "comment": "金额不符"}).Expect(t, http.StatusOK)
		case completion:
			prov.Do("POST", path+"/completion-report", file("竣工报告.png", testkit.PNG(t, 100, 100))).
				Expect(t, http.StatusOK)
		case invoice:
			prov.Do("POST", path+"/invoice", file("发票.pdf", pdf)).Expect(t, http.StatusOK)
		case cancel:
			ent.Do("POST", path+"/cancel", map[string]string{"reason": "需求变更"}).
				Expect(t, http.StatusOK)
		}
	}
	return q.Orders[0].ID
}

// build makes the data set. Dates are days in Asia/Shanghai; orders are
// price/discount in fen and their status.
//
//	410102 中原区 (郑州)
//	  e1 made 12-03, certified, claims P1; orders 100000/30000 completed,
//	     20000/6000 cancelled (its reservation released)
//	  e2 made 12-03, certification pending
//	410105 金水区 (郑州)
//	  e3 made 12-03, certified, declines P1, claims P2; orders
//	     100000/20000 submitted, 30000/6000 completion_reported
//	  e6's certification, submitted here 12-10 and invalidated when e6 moved
//	  e8 made 12-31 23:00, still December
//	  e7 made 2027-01-01 01:00 (2026-12-31 17:00 UTC)
//	410202 龙亭区 (开封)
//	  e4 made 12-10, certified, claims P1 and P2; orders 30000/9000
//	     in_progress, 20000/6000 contract_pending
//	  e6 made 12-10 in 410105, moved here
//	419001 济源市 (Jiyuan)
//	  e5 made 12-10, certification rejected 12-10, pending again
//	     2027-01-01; uncertified orders 20000/0 submitted, 30000/0
//	     contract_rejected
//
// P1 gives 30% (cap 500000, quota 1000000); P2 20% (cap 100000, quota
// 500000). An order takes the benefit giving more, so e4's take P1.
func build(t *testing.T, driver string) *world {
	t.Helper()
	s := testkit.NewServer(t, driver, func(cfg *config.Config) {
		cfg.Auth.AddressPerMinute = 1_000_000 // many sign-ins from one address
	})
	w := &world{s: s, specs: map[int64]int64{}, tokens: map[int64]string{}}
	w.prov, w.admin = s.NewUser(t, auth.RoleProvider), s.NewUser(t, auth.RoleAdmin)
	w.tokens[w.prov.ID], w.tokens[w.admin.ID] = w.prov.Access, w.admin.Access
	_, leaf := s.Category(t)
	prices := []int64{100000, 30000, 20000}
	_, specs := s.Product(t, w.prov, leaf, prices...)
	for i, p := range prices {
		w.specs[p] = specs[i]
	}
	w.p1 = s.ActivePolicy(t, testkit.Policy{})
	rate, capFen, quota := 2000, int64(100000), int64(500000)
	w.p2 = s.ActivePolicy(t, testkit.Policy{DiscountRate: &rate, PerOrderCapFen: &capFen,
		PerEnterpriseQuotaFen: &quota})

	// 2026-12-03 10:00 in Shanghai (02:00 UTC), the test clock's start.
	w.e1 = w.enterprise(t, "410102")
	s.Certify(t, w.e1)
	w.claim(t, w.e1, w.p1)
	w.order(t, w.e1, 100000, 30000, contract, agree, completion, invoice)
	w.order(t, w.e1, 20000, 6000, cancel)
	e2 := w.enterprise(t, "410102")
	w.submit(t, e2)
	e3 := w.enterprise(t, "410105")
	s.Certify(t, e3)
	w.as(t, e3).Do("POST", fmt.Sprintf("/api/v1/benefits/%d/decline", w.p1),
		map[string]bool{"confirm": true}).Expect(t, http.StatusOK)
	w.claim(t, e3, w.p2)
	w.order(t, e3, 100000, 20000)
	w.order(t, e3, 30000, 6000, contract, agree, completion)

	// 2026-12-10 10:00 in Shanghai.
	w.advance(7 * 24 * time.Hour)
	e4 := w.enterprise(t, "410202")
	s.Certify(t, e4)
	w.claim(t, e4, w.p1)
	w.claim(t, e4, w.p2)
	w.order(t, e4, 30000, 9000, contract, agree)
	w.order(t, e4, 20000, 6000, contract)
	e5 := w.enterprise(t, "419001")
	cert := w.submit(t, e5)
	w.as(t, w.admin).Do("POST", fmt.Sprintf("/api/v1/review/certifications/%d/reject", cert),
		map[string]string{"reason": "营业执照模糊"}).Expect(t, http.StatusOK)
	w.order(t, e5, 20000, 0)
	w.order(t, e5, 30000, 0, contract, rejectContract)
	e6 := w.enterprise(t, "410105")
	w.submit(t, e6)
	var moved struct {
		Invalidated bool `json:"certification_invalidated"`
	}
	w.as(t, e6).Do("PATCH", "/api/v1/me", map[string]string{"region_code": "410202"}).
		Expect(t, http.StatusOK).Decode(t, &moved)
	if !moved.Invalidated {
		t.Fatal("moving to another city must invalidate the pending certification")
	}

	// 2026-12-31 23:00 in Shanghai (15:00 UTC): still December.
	w.advance(21*24*time.Hour + 13*time.Hour)
	w.enterprise(t, "410105")
	// 2027-01-01 01:00 in Shanghai (2026-12-31 17:00 UTC): January there.
	w.advance(2 * time.Hour)
	if got := s.Clock.Now(); !got.Equal(time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)) {
		t.Fatalf("clock at %s", got)
	}
	w.enterprise(t, "410105")
	w.submit(t, e5)

	if err := s.App.Benefits.Verify(t.Context()); err != nil {
		t.Fatalf("ledger and balances disagree: %v", err)
	}
	return w
}

// place is a county's city code, city name and own name, as the region
// columns show them.
var place = map[string][3]string{
	"410102": {"410100", "郑州市", "中原区"},
	"410105": {"410100", "郑州市", "金水区"},
	"410202": {"410200", "开封市", "龙亭区"},
	"419001": {"419000", "省直辖县级行政区划", "济源市"},
}

var regionKeys = []string{"city_code", "city_name", "county_code", "county_name"}

// numeric are the figure columns of each report, in order.
var numeric = map[string][]string{
	"certifications": {"pending", "approved", "rejected", "invalidated"},
	"benefits":       {"claimed", "quota_fen", "reserved_fen", "used_fen"},
	"orders": {"submitted", "contract_pending", "contract_rejected", "in_progress",
		"completion_reported", "completed", "cancelled", "subtotal_fen", "discount_fen",
		"payable_fen"},
	"enterprises": {"new_enterprises"},
}

// figures are numbers by column key; absent keys are zero.
type figures map[string]int64

// table is what a report should answer: its rows, every value as text,
// and its totals.
type table struct {
	rows   []map[string]string
	totals figures
}

// row is the expected row of county in report, every figure column
// present.
func row(report, county string, f figures) map[string]string {
	p := place[county]
	r := map[string]string{"city_code": p[0], "city_name": p[1], "county_code": county,
		"county_name": p[2]}
	for _, k := range numeric[report] {
		r[k] = strconv.FormatInt(f[k], 10)
	}
	return r
}

// monthRow is an expected row of the enterprises report.
func monthRow(county, month string, n int64) map[string]string {
	r := row("enterprises", county, figures{"new_enterprises": n})
	r["month"] = month
	return r
}

// want makes the expected table of report with every total present.
func want(report string, totals figures, rows ...map[string]string) table {
	all := figures{}
	for _, k := range numeric[report] {
		all[k] = totals[k]
	}
	if rows == nil {
		rows = []map[string]string{}
	}
	return table{rows: rows, totals: all}
}

// within keeps the rows of tb in counties and sums their figures: what a
// reviewer of those counties sees.
func within(report string, tb table, counties ...string) table {
	out := want(report, nil)
	for _, r := range tb.rows {
		if !slices.Contains(counties, r["county_code"]) {
			continue
		}
		out.rows = append(out.rows, r)
		for _, k := range numeric[report] {
			n, _ := strconv.ParseInt(r[k], 10, 64)
			out.totals[k] += n
		}
	}
	return out
}

// everything is the whole data set as an admin sees it, figured by hand
// from the table of build.
func everything() map[string]table {
	return map[string]table{
		"certifications": want("certifications",
			figures{"pending": 2, "approved": 3, "rejected": 1, "invalidated": 1},
			row("certifications", "410102", figures{"pending": 1, "approved": 1}),
			// e6's certification stays where it was submitted; e6 moved.
			row("certifications", "410105", figures{"approved": 1, "invalidated": 1}),
			row("certifications", "410202", figures{"approved": 1}),
			row("certifications", "419001", figures{"pending": 1, "rejected": 1})),
		"benefits": want("benefits",
			figures{"claimed": 4, "quota_fen": 3000000, "reserved_fen": 41000, "used_fen": 30000},
			// e1: 30000 reserved then used; 6000 reserved then released.
			row("benefits", "410102", figures{"claimed": 1, "quota_fen": 1000000, "used_fen": 30000}),
			// e3's declined P1 is no claim.
			row("benefits", "410105", figures{"claimed": 1, "quota_fen": 500000,
				"reserved_fen": 26000}),
			row("benefits", "410202", figures{"claimed": 2, "quota_fen": 1500000,
				"reserved_fen": 15000})),
		"orders": want("orders",
			figures{"submitted": 2, "contract_pending": 1, "contract_rejected": 1, "in_progress": 1,
				"completion_reported": 1, "completed": 1, "cancelled": 1, "subtotal_fen": 350000,
				"discount_fen": 77000, "payable_fen": 273000},
			row("orders", "410102", figures{"completed": 1, "cancelled": 1, "subtotal_fen": 120000,
				"discount_fen": 36000, "payable_fen": 84000}),
			row("orders", "410105", figures{"submitted": 1, "completion_reported": 1,
				"subtotal_fen": 130000, "discount_fen": 26000, "payable_fen": 104000}),
			row("orders", "410202", figures{"contract_pending": 1, "in_progress": 1,
				"subtotal_fen": 50000, "discount_fen": 15000, "payable_fen": 35000}),
			row("orders", "419001", figures{"submitted": 1, "contract_rejected": 1,
				"subtotal_fen": 50000, "payable_fen": 50000})),
		"enterprises": want("enterprises", figures{"new_enterprises": 8},
			monthRow("410102", "2026-12", 2),
			monthRow("410105", "2026-12", 2), // e3, and e8 at 23:00 on the 31st
			monthRow("410105", "2027-01", 1), // e7, 17:00 UTC on the 31st
			monthRow("410202", "2026-12", 2), // e4, and e6 who moved here
			monthRow("419001", "2026-12", 1)),
	}
}

var reportNames = []string{"certifications", "benefits", "orders", "enterprises"}

// report is the JSON answer, rows kept as decoded.
type report struct {
	Name     string  `json:"name"`
	Timezone string  `json:"timezone"`
	From     *string `json:"from"`
	To       *string `json:"to"`
	PolicyID *int64  `json:"policy_id"`
	Columns  []struct {
		Key   string `json:"key"`
		Title string `json:"title"`
	} `json:"columns"`
	Rows   []map[string]any `json:"rows"`
	Totals map[string]int64 `json:"totals"`
}

func (r report) keys() []string {
	out := []string{}
	for _, c := range r.Columns {
		out = append(out, c.Key)
	}
	return out
}

func (r report) titles() []string {
	out := []string{}
	for _, c := range r.Columns {
		out = append(out, c.Title)
	}
	return out
}

// textRows returns the rows with every value as text.
func (r report) textRows() []map[string]string {
	out := []map[string]string{}
	for _, row := range r.Rows {
		m := map[string]string{}
		for k, v := range row {
			m[k] = fmt.Sprint(v)
		}
		out = append(out, m)
	}
	return out
}

// fetch reads report name with query ("" or "?…") as JSON and checks its
// columns.
func fetch(t *testing.T, c *testkit.Client, name, query string) report {
	t.Helper()
	res := c.Do("GET", "/api/v1/reports/"+name+query, nil).Expect(t, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
	dec := json.NewDecoder(bytes.NewReader(res.Body))
	dec.UseNumber()
	var r report
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decode %s: %v", res.Body, err)
	}
	keys := append(slices.Clone(regionKeys), numeric[name]...)
	if name == "enterprises" {
		keys = append(slices.Clone(regionKeys), "month", "new_enterprises")
	}
	if diff := cmp.Diff(keys, r.keys()); diff != "" {
		t.Errorf("%s columns (-want +got):\n%s", name, diff)
	}
	if r.Name != name || r.Timezone != "Asia/Shanghai" {
		t.Errorf("report %q in %q, want %q in Asia/Shanghai", r.Name, r.Timezone, name)
	}
	return r
}

// check fetches report name with query and compares it with tb.
func check(t *testing.T, c *testkit.Client, name, query string, tb table) report {
	t.Helper()
	r := fetch(t, c, name, query)
	if diff := cmp.Diff(tb.rows, r.textRows()); diff != "" {
		t.Errorf("%s%s rows (-want +got):\n%s", name, query, diff)
	}
	if diff := cmp.Diff(map[string]int64(tb.totals), r.Totals); diff != "" {
		t.Errorf("%s%s totals (-want +got):\n%s", name, query, diff)
	}
	return r
}

func TestReports(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := build(t, driver)
		s := w.s
		all := everything()
		// Signed in after the clock's last move, which the subtests never
		// make: these tokens stay valid.
		admin, ent, prov := w.token(t, w.admin), w.token(t, w.e1), w.token(t, w.prov)
		reviewers := map[string]string{}
		for _, region := range []string{"410200", "410100", "410105", "419001", "410000", "410300"} {
			reviewers[region] = s.NewUser(t, auth.RoleReviewer, region).Access
		}

		t.Run("admin sees every county", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			for _, name := range reportNames {
				r := check(t, c, name, "", all[name])
				if r.From != nil || r.To != nil || r.PolicyID != nil {
					t.Errorf("%s: from %v, to %v, policy %v, want all null", name, r.From, r.To,
						r.PolicyID)
				}
			}
		})

		t.Run("totals agree with the tables", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			for _, policy := range []int64{0, w.p1, w.p2} {
				query := ""
				if policy != 0 {
					query = fmt.Sprintf("?policy_id=%d", policy)
				}
				b := fetch(t, c, "benefits", query)
				if diff := cmp.Diff(benefitSums(t, w, policy), b.Totals); diff != "" {
					t.Errorf("benefits%s totals against the benefits table (-table +report):\n%s",
						query, diff)
				}
				if diff := cmp.Diff(ledgerSums(t, w, policy), b.Totals); diff != "" {
					t.Errorf("benefits%s totals against the ledger (-ledger +report):\n%s", query, diff)
				}
				o := fetch(t, c, "orders", query)
				if diff := cmp.Diff(orderSums(t, w, policy), o.Totals); diff != "" {
					t.Errorf("orders%s totals against the orders table (-table +report):\n%s",
						query, diff)
				}
			}
		})

		t.Run("policy filter", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			p1 := fmt.Sprintf("?policy_id=%d", w.p1)
			p2 := fmt.Sprintf("?policy_id=%d", w.p2)
			check(t, c, "benefits", p1, want("benefits",
				figures{"claimed": 2, "quota_fen": 2000000, "reserved_fen": 15000, "used_fen": 30000},
				row("benefits", "410102", figures{"claimed": 1, "quota_fen": 1000000,
					"used_fen": 30000}),
				row("benefits", "410202", figures{"claimed": 1, "quota_fen": 1000000,
					"reserved_fen": 15000})))
			check(t, c, "benefits", p2, want("benefits",
				figures{"claimed": 2, "quota_fen": 1000000, "reserved_fen": 26000},
				row("benefits", "410105", figures{"claimed": 1, "quota_fen": 500000,
					"reserved_fen": 26000}),
				row("benefits", "410202", figures{"claimed": 1, "quota_fen": 500000})))
			p1Orders := want("orders",
				figures{"contract_pending": 1, "in_progress": 1, "completed": 1, "cancelled": 1,
					"subtotal_fen": 170000, "discount_fen": 51000, "payable_fen": 119000},
				all["orders"].rows[0], all["orders"].rows[2])
			r := check(t, c, "orders", p1, p1Orders)
			if r.PolicyID == nil || *r.PolicyID != w.p1 {
				t.Errorf("policy_id %v, want %d", r.PolicyID, w.p1)
			}
			// e5's orders had no discount and so no policy: in no policy's rows.
			check(t, c, "orders", p2, want("orders",
				figures{"submitted": 1, "completion_reported": 1, "subtotal_fen": 130000,
					"discount_fen": 26000, "payable_fen": 104000},
				all["orders"].rows[1]))
			check(t, c, "orders", p1+"&from=2026-12-04", within("orders", p1Orders, "410202"))
		})

		t.Run("date filters", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			r := check(t, c, "certifications", "?from=2026-12-10&to=2026-12-10",
				want("certifications", figures{"approved": 1, "rejected": 1, "invalidated": 1},
					row("certifications", "410105", figures{"invalidated": 1}),
					row("certifications", "410202", figures{"approved": 1}),
					row("certifications", "419001", figures{"rejected": 1})))
			if r.From == nil || *r.From != "2026-12-10" || r.To == nil || *r.To != "2026-12-10" {
				t.Errorf("from %v to %v, want both 2026-12-10", r.From, r.To)
			}
			// e5's second submission: 2026-12-31 17:00 UTC is January 1st
			// in Shanghai.
			check(t, c, "certifications", "?from=2027-01-01", want("certifications",
				figures{"pending": 1}, row("certifications", "419001", figures{"pending": 1})))
			check(t, c, "certifications", "?to=2026-12-31", want("certifications",
				figures{"pending": 1, "approved": 3, "rejected": 1, "invalidated": 1},
				row("certifications", "410102", figures{"pending": 1, "approved": 1}),
				row("certifications", "410105", figures{"approved": 1, "invalidated": 1}),
				row("certifications", "410202", figures{"approved": 1}),
				row("certifications", "419001", figures{"rejected": 1})))

			check(t, c, "benefits", "?to=2026-12-03", want("benefits",
				figures{"claimed": 2, "quota_fen": 1500000, "reserved_fen": 26000, "used_fen": 30000},
				all["benefits"].rows[0], all["benefits"].rows[1]))
			check(t, c, "benefits", "?from=2026-12-04", want("benefits",
				figures{"claimed": 2, "quota_fen": 1500000, "reserved_fen": 15000},
				all["benefits"].rows[2]))

			check(t, c, "orders", "?from=2026-12-03&to=2026-12-03", want("orders",
				figures{"submitted": 1, "completion_reported": 1, "completed": 1, "cancelled": 1,
					"subtotal_fen": 250000, "discount_fen": 62000, "payable_fen": 188000},
				all["orders"].rows[0], all["orders"].rows[1]))
			check(t, c, "orders", "?from=2026-12-04", want("orders",
				figures{"submitted": 1, "contract_pending": 1, "contract_rejected": 1,
					"in_progress": 1, "subtotal_fen": 100000, "discount_fen": 15000,
					"payable_fen": 85000},
				all["orders"].rows[2], all["orders"].rows[3]))
			check(t, c, "orders", "?from=2027-01-01", want("orders", nil))

			check(t, c, "enterprises", "?from=2027-01-01", want("enterprises",
				figures{"new_enterprises": 1}, monthRow("410105", "2027-01", 1)))
			check(t, c, "enterprises", "?to=2026-12-31", want("enterprises",
				figures{"new_enterprises": 7},
				monthRow("410102", "2026-12", 2), monthRow("410105", "2026-12", 2),
				monthRow("410202", "2026-12", 2), monthRow("419001", "2026-12", 1)))
			check(t, c, "enterprises", "?from=2026-12-04&to=2026-12-31", want("enterprises",
				figures{"new_enterprises": 4},
				monthRow("410105", "2026-12", 1), monthRow("410202", "2026-12", 2),
				monthRow("419001", "2026-12", 1)))
		})

		// Reviewers cannot ask for another region's figures at all: the
		// route takes no region, and each sees the rows of its own
		// region only — none at all, by design, when its region has had
		// no activity.
		t.Run("reviewers see their region", func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				region   string
				counties []string
			}{
				{"410200", []string{"410202"}},
				{"410100", []string{"410102", "410105"}},
				{"410105", []string{"410105"}},
				{"419001", []string{"419001"}},
				{"410000", []string{"410102", "410105", "410202", "419001"}},
				{"410300", nil}, // 洛阳: empty by design
			} {
				c := s.Client(t).As(reviewers[tc.region])
				for _, name := range reportNames {
					check(t, c, name, "", within(name, all[name], tc.counties...))
				}
			}
			// A region in the query changes nothing: it is not a parameter.
			c := s.Client(t).As(reviewers["410200"])
			res := c.Do("GET", "/api/v1/reports/orders?region_code=410100", nil, testkit.Raw()).
				Expect(t, http.StatusOK)
			var r report
			res.Decode(t, &r)
			if len(r.Rows) != 1 || r.Rows[0]["county_code"] != "410202" {
				t.Errorf("开封 reviewer asking for 郑州 got rows %v", r.Rows)
			}
		})

		t.Run("csv", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			for _, q := range []string{"", "?to=2026-12-31"} {
				for _, name := range reportNames {
					j := fetch(t, c, name, q)
					res := c.Do("GET", "/api/v1/reports/"+name+withFormat(q, "csv"), nil).
						Expect(t, http.StatusOK)
					if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
						t.Errorf("%s: content type %q", name, ct)
					}
					if d := res.Header.Get("Content-Disposition"); !strings.Contains(d, ".csv") {
						t.Errorf("%s: content disposition %q", name, d)
					}
					if !bytes.HasPrefix(res.Body, []byte("\ufeff")) {
						t.Fatalf("%s: csv does not start with the UTF-8 byte order mark: % x",
							name, res.Body[:min(8, len(res.Body))])
					}
					lines, err := csv.NewReader(bytes.NewReader(res.Body[3:])).ReadAll()
					if err != nil {
						t.Fatalf("%s: csv: %v", name, err)
					}
					compareSheet(t, name+" csv"+q, j, lines)
				}
			}
		})

		t.Run("xlsx", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			for _, q := range []string{"", fmt.Sprintf("?policy_id=%d", w.p1)} {
				for _, name := range reportNames {
					j := fetch(t, c, name, q)
					res := c.Do("GET", "/api/v1/reports/"+name+withFormat(q, "xlsx"), nil).
						Expect(t, http.StatusOK)
					f, err := excelize.OpenReader(bytes.NewReader(res.Body))
					if err != nil {
						t.Fatalf("%s: open xlsx: %v", name, err)
					}
					lines, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
					_ = f.Close()
					if err != nil {
						t.Fatalf("%s: rows: %v", name, err)
					}
					compareSheet(t, name+" xlsx"+q, j, lines)
				}
			}
		})

		t.Run("refusals", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin)
			c.Do("GET", "/api/v1/reports/users", nil, testkit.Raw()).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			for query, field := range map[string]string{
				"?format=pdf":                    "format",
				"?from=2026-02-30":               "from",
				"?to=31.12.2026":                 "to",
				"?from=2026-12-10&to=2026-12-09": "to",
				"?policy_id=0":                   "policy_id",
				"?policy_id=one":                 "policy_id",
			} {
				p := c.Do("GET", "/api/v1/reports/orders"+query, nil, testkit.Raw()).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != field {
					t.Errorf("%s: errors %+v, want one on %s", query, p.Errors, field)
				}
			}
			s.Client(t).As(ent).Do("GET", "/api/v1/reports/orders", nil).
				ExpectProblem(t, http.StatusForbidden, "forbidden")
			s.Client(t).As(prov).Do("GET", "/api/v1/reports/orders", nil).
				ExpectProblem(t, http.StatusForbidden, "forbidden")
			s.Client(t).Do("GET", "/api/v1/reports/orders", nil).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

func withFormat(query, format string) string {
	if query == "" {
		return "?format=" + format
	}
	return query + "&format=" + format
}

// compareSheet checks that the lines of a CSV or XLSX download hold the
// JSON report j: a header of column titles, a line per row, and a last
// line of totals led by 合计.
func compareSheet(t *testing.T, what string, j report, lines [][]string) {
	t.Helper()
	keys := j.keys()
	if len(lines) < 2 {
		t.Fatalf("%s: %d lines, want a header and totals at least", what, len(lines))
	}
	for i := range lines {
		for len(lines[i]) < len(keys) {
			lines[i] = append(lines[i], "") // spreadsheets drop empty trailing cells
		}
	}
	if diff := cmp.Diff(j.titles(), lines[0]); diff != "" {
		t.Errorf("%s header (-json +sheet):\n%s", what, diff)
	}

	rows := []map[string]string{}
	for _, line := range lines[1 : len(lines)-1] {
		m := map[string]string{}
		for i, k := range keys {
			m[k] = line[i]
		}
		rows = append(rows, m)
	}
	if diff := cmp.Diff(j.textRows(), rows); diff != "" {
		t.Errorf("%s rows (-json +sheet):\n%s", what, diff)
	}

	totals := make([]string, len(keys))
	totals[0] = "合计"
	for i, k := range keys {
		if v, ok := j.Totals[k]; ok {
			totals[i] = strconv.FormatInt(v, 10)
		}
	}
	if diff := cmp.Diff(totals, lines[len(lines)-1]); diff != "" {
		t.Errorf("%s totals (-json +sheet):\n%s", what, diff)
	}
}

// benefitSums reads the figures of claimed benefits, of one policy when
// policy is not zero, straight from the benefits table.
func benefitSums(t *testing.T, w *world, policy int64) map[string]int64 {
	t.Helper()
	var got struct{ ClaimedN, QuotaSum, ReservedSum, UsedSum int64 }
	q := w.s.App.DB.Table("benefits").Where("status = ?", "claimed")
	if policy != 0 {
		q = q.Where("policy_id = ?", policy)
	}
	err := q.Select("COUNT(*) AS claimed_n, COALESCE(SUM(quota_fen), 0) AS quota_sum, " +
		"COALESCE(SUM(reserved_fen), 0) AS reserved_sum, COALESCE(SUM(used_fen), 0) AS used_sum").
		Scan(&got).Error
	if err != nil {
		t.Fatal(err)
	}
	return map[string]int64{"claimed": got.ClaimedN, "quota_fen": got.QuotaSum,
		"reserved_fen": got.ReservedSum, "used_fen": got.UsedSum}
}

// ledgerSums rebuilds the same figures from the ledger: a claim entry per
// claimed benefit carrying its quota; reservations less releases and
// consumptions are still reserved; consumptions are used.
func ledgerSums(t *testing.T, w *world, policy int64) map[string]int64 {
	t.Helper()
	var rows []struct {
		Kind    string
		Entries int64
		Total   int64
	}
	q := w.s.App.DB.Table("ledger_entries")
	if policy != 0 {
		q = q.Where("policy_id = ?", policy)
	}
	err := q.Select("kind, COUNT(*) AS entries, SUM(amount_fen) AS total").Group("kind").
		Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	sum, claims := map[string]int64{}, int64(0)
	for _, r := range rows {
		sum[r.Kind] = r.Total
		if r.Kind == "claim" {
			claims = r.Entries
		}
	}
	return map[string]int64{"claimed": claims, "quota_fen": sum["claim"],
		"reserved_fen": sum["reserve"] - sum["release"] - sum["consume"],
		"used_fen":     sum["consume"]}
}

// orderSums reads the orders report's totals straight from the orders
// table.
func orderSums(t *testing.T, w *world, policy int64) map[string]int64 {
	t.Helper()
	var rows []struct {
		Status                                  string
		N, SubtotalSum, DiscountSum, PayableSum int64
	}
	q := w.s.App.DB.Table("orders")
	if policy != 0 {
		q = q.Where("policy_id = ?", policy)
	}
	err := q.Select("status, COUNT(*) AS n, SUM(subtotal_fen) AS subtotal_sum, " +
		"SUM(discount_fen) AS discount_sum, SUM(payable_fen) AS payable_sum").Group("status").
		Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, k := range numeric["orders"] {
		out[k] = 0
	}
	for _, r := range rows {
		out[r.Status] = r.N
		out["subtotal_fen"] += r.SubtotalSum
		out["discount_fen"] += r.DiscountSum
		out["payable_fen"] += r.PayableSum
	}
	return out
}
