package audithttp_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/testkit"
)

var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

// entry is an audit entry as the API answers it.
type entry struct {
	ID         int64     `json:"id"`
	ActorID    *int64    `json:"actor_id"`
	ActorRole  string    `json:"actor_role"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Detail     string    `json:"detail"`
	ClientIP   string    `json:"client_ip"`
	RequestID  string    `json:"request_id"`
	CreatedAt  time.Time `json:"created_at"`
}

type page struct {
	Items    []entry `json:"items"`
	Page     int     `json:"page"`
	PageSize int     `json:"page_size"`
	Total    int64   `json:"total"`
}

// trail is a server on which every audited action was taken once over
// HTTP, each request with its own X-Request-ID, and the entry each
// should have written.
type trail struct {
	s      *testkit.Server
	tokens map[int64]string // access tokens valid at the clock's time
	want   []entry          // in the order the actions were taken
	day2   time.Time        // when the second batch of actions was taken
	admin  testkit.User
	order  int64 // the order walked from submission to evaluation
	policy int64
	// outsider is a token of a province reviewer, who may not read the log.
	outsider string
}

// token returns an access token of u, signing in again when the clock
// has moved since u last did.
func (l *trail) token(t *testing.T, u testkit.User) string {
	t.Helper()
	tok, ok := l.tokens[u.ID]
	if !ok {
		var session struct {
			AccessToken string `json:"access_token"`
		}
		l.s.Client(t).Do("POST", "/api/v1/auth/login",
			map[string]string{"login": u.Username, "password": u.Password}).
			Expect(t, http.StatusOK).Decode(t, &session)
		tok = session.AccessToken
		l.tokens[u.ID] = tok
	}
	return tok
}

// act sends a request as u (nobody when u is nil) with X-Request-ID rid,
// expects status, and records the entry it must write: by u, or by the
// system when nobody is signed in. detail is checked unless empty.
func (l *trail) act(t *testing.T, u *testkit.User, rid string, status int, method, path string,
	body any, action, targetType string, targetID any, detail string) *testkit.Response {
	t.Helper()
	c := l.s.Client(t)
	want := entry{ActorRole: "system", Action: action, TargetType: targetType,
		TargetID: fmt.Sprint(targetID), Detail: detail, ClientIP: "127.0.0.1", RequestID: rid,
		CreatedAt: l.s.Clock.Now()}
	if u != nil {
		c = c.As(l.token(t, *u))
		id := u.ID
		want.ActorID, want.ActorRole = &id, string(u.Role)
	}
	res := c.Do(method, path, body, testkit.Header("X-Request-ID", rid)).Expect(t, status)
	if got := res.Header.Get("X-Request-ID"); got != rid {
		t.Fatalf("%s answered with request id %q", rid, got)
	}
	l.want = append(l.want, want)
	return res
}

func file(name string, data []byte) testkit.Form {
	return testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: name, Data: data}}}
}

func certification(t *testing.T) testkit.Form {
	return testkit.Form{
		Fields: map[string]string{
			"company_name":                   "郑州云帆科技有限公司",
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
}

// record takes every audited action over HTTP: a first batch on
// 2026-12-03 in Shanghai, and a second at 2026-12-03 17:00 UTC, which is
// already 2026-12-04 there.
func record(t *testing.T, driver string) *trail {
	t.Helper()
	s := testkit.NewServer(t, driver, func(cfg *config.Config) {
		cfg.Auth.AddressPerMinute = 1_000_000 // many sign-ins from one address
	})
	l := &trail{s: s, tokens: map[int64]string{}}
	ctx := context.Background()
	admin, reviewer := s.NewUser(t, auth.RoleAdmin), s.NewUser(t, auth.RoleReviewer, "410100")
	prov, ent := s.NewUser(t, auth.RoleProvider), s.NewUser(t, auth.RoleEnterprise, "410102")
	other, member := s.NewUser(t, auth.RoleEnterprise, "410105"), s.NewUser(t, auth.RoleEnterprise)
	for _, u := range []testkit.User{admin, reviewer, prov, ent, other, member} {
		l.tokens[u.ID] = u.Access
	}
	l.admin = admin
	var pending []accounts.User
	for i := range 2 {
		p, err := s.App.Accounts.Register(ctx, accounts.Registration{AccountType: "provider",
			Username: fmt.Sprintf("queued_%d", i), Password: testkit.Password,
			Email: fmt.Sprintf("queued%d@test.example", i), Phone: fmt.Sprintf("1370000000%d", i),
			CompanyName: "待审服务商", ContactName: "王五"})
		if err != nil {
			t.Fatal(err)
		}
		pending = append(pending, p)
	}
	_, leaf := s.Category(t)
	_, specs := s.Product(t, prov, leaf, 100000, 20000)
	blocked, _ := s.Product(t, prov, leaf, 5000)

	var id struct {
		ID int64 `json:"id"`
	}
	// Certification: submitted, approved by a reviewer; submitted,
	// rejected by an admin.
	l.act(t, &ent, "cert-submit", 201, "POST", "/api/v1/certifications", certification(t),
		"certification.submit", "certification", 0, "").Decode(t, &id)
	l.want[len(l.want)-1].TargetID = fmt.Sprint(id.ID)
	l.act(t, &reviewer, "cert-approve", 200, "POST",
		fmt.Sprintf("/api/v1/review/certifications/%d/approve", id.ID), nil,
		"certification.approve", "certification", id.ID, "")
	l.act(t, &other, "cert-submit-2", 201, "POST", "/api/v1/certifications", certification(t),
		"certification.submit", "certification", 0, "").Decode(t, &id)
	l.want[len(l.want)-1].TargetID = fmt.Sprint(id.ID)
	l.act(t, &admin, "cert-reject", 200, "POST",
		fmt.Sprintf("/api/v1/review/certifications/%d/reject", id.ID),
		map[string]string{"reason": "营业执照模糊"}, "certification.reject", "certification", id.ID,
		"营业执照模糊")

	// Providers: the approval queue decided.
	l.act(t, &admin, "provider-approve", 200, "POST",
		fmt.Sprintf("/api/v1/admin/providers/%d/approve", pending[0].ID), nil,
		"provider.approve", "user", pending[0].ID, "")
	l.act(t, &admin, "provider-reject", 200, "POST",
		fmt.Sprintf("/api/v1/admin/providers/%d/reject", pending[1].ID),
		map[string]string{"reason": "资质不全"}, "provider.reject", "user", pending[1].ID, "资质不全")

	// A policy: created, edited as a draft, activated (closed later).
	now := s.Clock.Now()
	l.act(t, &admin, "policy-create", 201, "POST", "/api/v1/admin/policies", map[string]any{
		"name": "审计政策", "discount_rate": 3000, "per_order_cap_fen": 500000,
		"per_enterprise_quota_fen": 1000000, "total_budget_fen": 100000000,
		"valid_from": now.Add(-time.Hour), "valid_until": now.Add(30 * 24 * time.Hour)},
		"policy.create", "policy", 0, "").Decode(t, &id)
	l.policy = id.ID
	l.want[len(l.want)-1].TargetID = fmt.Sprint(id.ID)
	policy := fmt.Sprintf("/api/v1/admin/policies/%d", l.policy)
	l.act(t, &admin, "policy-update", 200, "PATCH", policy,
		map[string]string{"description": "改过的说明"}, "policy.update", "policy", l.policy, "")
	l.act(t, &admin, "policy-activate", 200, "POST", policy+"/activate", nil,
		"policy.activate", "policy", l.policy, "")

	// Categories and products.
	l.act(t, &admin, "category-create", 201, "POST", "/api/v1/admin/categories",
		map[string]any{"name": "临时大类"}, "category.create", "category", 0, "").Decode(t, &id)
	l.want[len(l.want)-1].TargetID = fmt.Sprint(id.ID)
	category := fmt.Sprintf("/api/v1/admin/categories/%d", id.ID)
	l.act(t, &admin, "category-update", 200, "PATCH", category, map[string]string{"name": "改名大类"},
		"category.update", "category", id.ID, "")
	l.act(t, &admin, "category-delete", 204, "DELETE", category, nil,
		"category.delete", "category", id.ID, "")
	l.act(t, &admin, "product-unpublish", 200, "POST",
		fmt.Sprintf("/api/v1/admin/products/%d/unpublish", blocked),
		map[string]string{"reason": "虚假宣传"}, "product.admin_unpublish", "product", blocked, "虚假宣传")
	l.act(t, &admin, "product-unblock", 200, "POST",
		fmt.Sprintf("/api/v1/admin/products/%d/unblock", blocked), nil,
		"product.unblock", "product", blocked, "")
	l.act(t, &prov, "product-publish", 200, "POST",
		fmt.Sprintf("/api/v1/provider/products/%d/publish", blocked), nil,
		"product.publish", "product", blocked, "")
	l.act(t, &prov, "product-unpublish-own", 200, "POST",
		fmt.Sprintf("/api/v1/provider/products/%d/unpublish", blocked), nil,
		"product.unpublish", "product", blocked, "")

	// Orders: one walked through every stage, one cancelled by each side.
	place := func(spec int64, key string) int64 {
		t.Helper()
		c := l.s.Client(t).As(l.token(t, ent))
		var line, q struct {
			ID     int64 `json:"id"`
			Orders []struct {
				ID int64 `json:"id"`
			} `json:"orders"`
		}
		c.Do("POST", "/api/v1/cart/items", map[string]any{"spec_id": spec, "quantity": 1}).
			Expect(t, http.StatusCreated).Decode(t, &line)
		c.Do("POST", "/api/v1/orders", map[string]any{"cart_item_ids": []int64{line.ID}},
			testkit.Header("Idempotency-Key", key)).Expect(t, http.StatusCreated).Decode(t, &q)
		return q.Orders[0].ID
	}
	l.order = place(specs[0], "audit-1")
	path := fmt.Sprintf("/api/v1/orders/%d", l.order)
	for _, st := range []struct {
		who              *testkit.User
		rid, suffix      string
		body             any
		action, from, to string
	}{
		{&prov, "order-contract", "/contract", file("合同.pdf", pdf), "upload_contract",
			"submitted", "contract_pending"},
		{&ent, "order-reject-contract", "/contract-decision",
			map[string]string{"decision": "reject", "comment": "金额不符"}, "reject_contract",
			"contract_pending", "contract_rejected"},
		{&prov, "order-contract-again", "/contract", file("合同2.pdf", pdf), "upload_contract",
			"contract_rejected", "contract_pending"},
		{&ent, "order-agree", "/contract-decision", map[string]string{"decision": "agree"},
			"agree_contract", "contract_pending", "in_progress"},
		{&prov, "order-report", "/completion-report", file("竣工.png", testkit.PNG(t, 80, 80)),
			"upload_completion_report", "in_progress", "completion_reported"},
		{&prov, "order-invoice", "/invoice", file("发票.pdf", pdf), "upload_invoice",
			"completion_reported", "completed"},
	} {
		l.act(t, st.who, st.rid, 200, "POST", path+st.suffix, st.body, "order."+st.action,
			"order", l.order, st.from+" -> "+st.to)
	}
	l.act(t, &ent, "order-evaluate", 201, "POST", path+"/evaluation",
		map[string]any{"rating": 5, "usage_report": "运行稳定，服务及时，值得推荐。"},
		"order.evaluate", "order", l.order, "")
	cancelled := place(specs[1], "audit-2")
	l.act(t, &ent, "order-cancel-enterprise", 200, "POST",
		fmt.Sprintf("/api/v1/orders/%d/cancel", cancelled), map[string]string{"reason": "需求变更"},
		"order.cancel", "order", cancelled, "submitted -> cancelled")
	third := place(specs[1], "audit-3")
	l.act(t, &prov, "order-contract-third", 200, "POST",
		fmt.Sprintf("/api/v1/orders/%d/contract", third), file("合同.pdf", pdf),
		"order.upload_contract", "order", third, "submitted -> contract_pending")

	// 2026-12-04 01:00 in Shanghai: the second batch.
	s.Clock.Advance(15 * time.Hour)
	clear(l.tokens)
	l.day2 = s.Clock.Now()
	l.act(t, &prov, "order-cancel-provider", 200, "POST",
		fmt.Sprintf("/api/v1/orders/%d/cancel", third), map[string]string{"reason": "无法供货"},
		"order.cancel", "order", third, "contract_pending -> cancelled")
	l.act(t, &admin, "policy-close", 200, "POST", policy+"/close", nil,
		"policy.close", "policy", l.policy, "")
	l.act(t, &admin, "account-disable", 200, "POST",
		fmt.Sprintf("/api/v1/admin/users/%d/disable", other.ID), nil,
		"account.disable", "user", other.ID, "")
	l.act(t, &admin, "account-enable", 200, "POST",
		fmt.Sprintf("/api/v1/admin/users/%d/enable", other.ID), nil,
		"account.enable", "user", other.ID, "")
	l.act(t, &member, "password-change", 204, "PUT", "/api/v1/me/password",
		map[string]string{"old_password": member.Password, "new_password": "Changed2026pw",
			"confirm_password": "Changed2026pw"},
		"account.password_change", "user", member.ID, "")
	// Nobody is signed in when a sign-in fails: the system is the actor.
	l.act(t, nil, "login-unknown", 401, "POST", "/api/v1/auth/login",
		map[string]string{"login": "nobody_here", "password": "Whatever2026"},
		"auth.login_failed", "login", "nobody_here", "unknown login")
	l.act(t, nil, "login-wrong-password", 401, "POST", "/api/v1/auth/login",
		map[string]string{"login": member.Username, "password": "Wrong2026pass"},
		"auth.login_failed", "user", member.ID, "wrong password")
	l.tokens[admin.ID] = l.token(t, admin)
	l.outsider = s.NewUser(t, auth.RoleReviewer, "410000").Access
	return l
}

// list reads one page of the audit log as the admin.
func (l *trail) list(t *testing.T, c *testkit.Client, query string) page {
	t.Helper()
	var p page
	c.Do("GET", "/api/v1/admin/audit-logs"+query, nil).Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// all reads every page of query, 100 entries at a time.
func (l *trail) all(t *testing.T, c *testkit.Client, query string) []entry {
	t.Helper()
	sep := "?"
	if query != "" {
		sep = "&"
	}
	var out []entry
	for n := 1; ; n++ {
		p := l.list(t, c, fmt.Sprintf("%s%spage=%d&page_size=100", query, sep, n))
		out = append(out, p.Items...)
		if len(p.Items) < 100 {
			if int64(len(out)) != p.Total {
				t.Fatalf("%s: read %d entries, total %d", query, len(out), p.Total)
			}
			return out
		}
	}
}

// requestIDs lists the request ids of es.
func requestIDs(es []entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.RequestID)
	}
	return out
}

// newestFirst returns the request ids of the wanted entries that keep
// says yes to, in the order the log answers: newest first.
func (l *trail) newestFirst(keep func(entry) bool) []string {
	out := []string{}
	for _, e := range slices.Backward(l.want) {
		if keep(e) {
			out = append(out, e.RequestID)
		}
	}
	return out
}

// mine keeps the entries written by the actions of record, leaving out
// those the fixtures wrote, through the services or through requests made
// only to set the scene (placing an order, claiming a benefit).
func (l *trail) mine(es []entry) []entry {
	known := map[string]bool{}
	for _, w := range l.want {
		known[w.RequestID] = true
	}
	return slices.DeleteFunc(slices.Clone(es), func(e entry) bool { return !known[e.RequestID] })
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		l := record(t, driver)
		admin := l.tokens[l.admin.ID]

		t.Run("every action writes its entry", func(t *testing.T) {
			t.Parallel()
			got := map[string][]entry{}
			for _, e := range l.all(t, l.s.Client(t).As(admin), "") {
				got[e.RequestID] = append(got[e.RequestID], e)
			}
			for _, want := range l.want {
				es := got[want.RequestID]
				if len(es) != 1 {
					t.Errorf("%s: %d entries %+v, want 1", want.RequestID, len(es), es)
					continue
				}
				e := es[0]
				e.ID = 0
				if want.Detail == "" {
					e.Detail = ""
				}
				if diff := cmp.Diff(want, e); diff != "" {
					t.Errorf("%s (-want +got):\n%s", want.RequestID, diff)
				}
			}
		})

		t.Run("filters", func(t *testing.T) {
			t.Parallel()
			c := l.s.Client(t).As(admin)
			cases := []struct {
				query string
				keep  func(entry) bool
			}{
				{fmt.Sprintf("?actor_id=%d", l.admin.ID),
					func(e entry) bool { return e.ActorID != nil && *e.ActorID == l.admin.ID }},
				{"?action=order.cancel", func(e entry) bool { return e.Action == "order.cancel" }},
				{"?action=auth.login_failed",
					func(e entry) bool { return e.Action == "auth.login_failed" }},
				{"?target_type=policy", func(e entry) bool { return e.TargetType == "policy" }},
				{fmt.Sprintf("?target_type=order&target_id=%d", l.order), func(e entry) bool {
					return e.TargetType == "order" && e.TargetID == fmt.Sprint(l.order)
				}},
				{fmt.Sprintf("?target_type=policy&action=policy.close&actor_id=%d", l.admin.ID),
					func(e entry) bool { return e.Action == "policy.close" }},
				// 2026-12-03 17:00 UTC is 2026-12-04 in Shanghai.
				{"?from=2026-12-04", func(e entry) bool { return !e.CreatedAt.Before(l.day2) }},
				{"?from=2026-12-04&to=2026-12-04",
					func(e entry) bool { return !e.CreatedAt.Before(l.day2) }},
				{"?to=2026-12-03", func(e entry) bool { return e.CreatedAt.Before(l.day2) }},
				{"?from=2026-12-05", func(entry) bool { return false }},
				{"?action=order.delete", func(entry) bool { return false }},
			}
			for _, tc := range cases {
				got := l.all(t, c, tc.query)
				if diff := cmp.Diff(l.newestFirst(tc.keep), requestIDs(l.mine(got))); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.query, diff)
				}
			}
			// The fixtures' entries were all made on the first day.
			// Every entry of the second day, fixtures' included, and no other.
			for _, e := range l.all(t, c, "?from=2026-12-04") {
				if e.CreatedAt.Before(l.day2) {
					t.Errorf("from=2026-12-04 answers %s of %s", e.Action, e.CreatedAt)
				}
			}
		})

		t.Run("pages walk newest first", func(t *testing.T) {
			t.Parallel()
			c := l.s.Client(t).As(admin)
			all := l.all(t, c, "")
			var walked []int64
			for n := 1; n <= len(all); n++ {
				p := l.list(t, c, fmt.Sprintf("?page=%d&page_size=1", n))
				if len(p.Items) != 1 || p.Page != n || p.PageSize != 1 || p.Total != int64(len(all)) {
					t.Fatalf("page %d: %+v", n, p)
				}
				walked = append(walked, p.Items[0].ID)
			}
			ids := []int64{}
			for _, e := range all {
				ids = append(ids, e.ID)
			}
			if diff := cmp.Diff(ids, walked); diff != "" {
				t.Errorf("walk by one (-all at once +walked):\n%s", diff)
			}
			if !slices.IsSortedFunc(walked, func(a, b int64) int { return int(b - a) }) {
				t.Errorf("ids %v are not newest first", walked)
			}
			past := l.list(t, c, fmt.Sprintf("?page=%d&page_size=1", len(all)+1))
			if len(past.Items) != 0 || past.Total != int64(len(all)) {
				t.Errorf("page past the end: %+v", past)
			}
			def := l.list(t, c, "")
			if def.Page != 1 || def.PageSize != 20 || len(def.Items) != min(20, len(all)) {
				t.Errorf("default page: page %d, size %d, %d items", def.Page, def.PageSize,
					len(def.Items))
			}
		})

		t.Run("bad queries", func(t *testing.T) {
			t.Parallel()
			c := l.s.Client(t).As(admin)
			for query, field := range map[string]string{
				"?actor_id=abc":                  "actor_id",
				"?actor_id=0":                    "actor_id",
				"?from=2026-13-01":               "from",
				"?from=yesterday":                "from",
				"?to=2026/12/04":                 "to",
				"?page_size=101":                 "page_size",
				"?page=0":                        "page",
				"?actor_id=-3&from=2026-12-04":   "actor_id",
				"?from=2026-12-04&to=04-12-2026": "to",
			} {
				p := c.Do("GET", "/api/v1/admin/audit-logs"+query, nil, testkit.Raw()).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != field {
					t.Errorf("%s: errors %+v, want one on %s", query, p.Errors, field)
				}
			}
		})

		// Entries are append-only: no route changes or removes one (the
		// authorization table lists every route there is).
		t.Run("append only", func(t *testing.T) {
			t.Parallel()
			c := l.s.Client(t).As(admin)
			before := l.list(t, c, "").Total
			c.Do("DELETE", "/api/v1/admin/audit-logs", nil).
				ExpectProblem(t, http.StatusMethodNotAllowed, "method_not_allowed")
			c.Do("PATCH", "/api/v1/admin/audit-logs/1", map[string]string{"action": "x"}).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			c.Do("DELETE", "/api/v1/admin/audit-logs/1", nil).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			if after := l.list(t, c, "").Total; after != before {
				t.Errorf("%d entries after, %d before", after, before)
			}
		})

		t.Run("admins only", func(t *testing.T) {
			t.Parallel()
			l.s.Client(t).As(l.outsider).Do("GET", "/api/v1/admin/audit-logs", nil).
				ExpectProblem(t, http.StatusForbidden, "forbidden")
			l.s.Client(t).Do("GET", "/api/v1/admin/audit-logs", nil).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		})
	})
}
