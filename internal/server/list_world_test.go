package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/auth"
	"shangyun/internal/catalog"
	"shangyun/internal/database"
	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// listWorld is a server holding enough products and orders that the
// database plans its list queries as it would for a real marketplace, and
// the accounts that read those lists. The bulk of the rows is written with
// plain INSERTs: making thousands of them through the API would take
// minutes.
type listWorld struct {
	s        *testkit.Server
	admin    testkit.User
	reviewer testkit.User
	ents     []testkit.User // signed in
	provs    []testkit.User // signed in
	crowd    listCrowd
	tops     []int64
	leaves   []int64
	products []listProduct
	orders   []listOrder
	rated    int64 // a published product with many evaluations
}

// listProduct is a product the world wrote, with its cheaper spec.
type listProduct struct {
	id, spec, provider, leaf, price int64
	name                            string
	published                       bool
}

// listOrder is an order the world wrote.
type listOrder struct {
	id, enterprise int64
}

// listSize is how many products and orders a listWorld holds, and among
// how many providers and enterprises, the signed-in ones included, they
// are spread.
type listSize struct{ products, orders, providers, enterprises int }

// listCrowd are the ids of every provider and enterprise of a listWorld,
// the signed-in ones first, and their company names.
type listCrowd struct {
	providers, enterprises []int64
	names                  map[int64]string
}

// newListWorld makes four enterprises (the first certified), four approved
// providers, six categories with a subcategory each and an active policy
// through the API. It then writes the other providers and enterprises of
// n, and n's products (two specs each) and orders (with lines and events)
// spread over all of them, the first provider holding a quarter of both;
// then evaluations, two carts and an audit log. Last, the database
// gathers statistics.
func newListWorld(t *testing.T, driver string, n listSize) *listWorld {
	t.Helper()
	s := testkit.NewServer(t, driver)
	w := &listWorld{s: s, admin: s.NewUser(t, auth.RoleAdmin),
		reviewer: s.NewUser(t, auth.RoleReviewer)}
	for range 4 {
		w.ents = append(w.ents, s.NewUser(t, auth.RoleEnterprise))
		w.provs = append(w.provs, s.NewUser(t, auth.RoleProvider))
	}
	for range 6 {
		top, leaf := s.Category(t)
		w.tops, w.leaves = append(w.tops, top), append(w.leaves, leaf)
	}
	s.Certify(t, w.ents[0])
	s.ActivePolicy(t, testkit.Policy{})

	w.writeCrowd(t, n)
	w.writeProducts(t, n.products)
	w.writeOrders(t, n.orders)
	w.writeEvaluations(t)
	w.writeCarts(t)
	w.writeAuditLog(t, n.orders)
	analyze(t, s.App.DB, driver)
	return w
}

// client returns a client signed in as u, or an anonymous one when u is
// nil.
func (w *listWorld) client(t *testing.T, u *testkit.User) *testkit.Client {
	c := w.s.Client(t)
	if u != nil {
		c = c.As(u.Access)
	}
	return c
}

var listCounties = []string{"410102", "410103", "410105", "410122", "410181"}

// writeCrowd writes the providers and enterprises of n that do not sign
// in: approved providers and enterprises in the counties of Zhengzhou.
func (w *listWorld) writeCrowd(t *testing.T, n listSize) {
	t.Helper()
	c := listCrowd{names: map[int64]string{}}
	for _, u := range w.provs {
		c.providers, c.names[u.ID] = append(c.providers, u.ID), "测试企业"+u.Username
	}
	for _, u := range w.ents {
		c.enterprises = append(c.enterprises, u.ID)
	}
	first, now := nextID(t, w.s.App.DB, "users"), w.s.Clock.Now()
	var rows [][]any
	add := func(role auth.Role, approval any) int64 {
		id := first + int64(len(rows))
		name := fmt.Sprintf("crowd_%s_%d", role, id)
		c.names[id] = "公司" + name
		rows = append(rows, []any{id, name, name, string(role), "active", name + "@test.example",
			"公司" + name, "联系人", listCounties[len(rows)%len(listCounties)], approval, "-", now, now})
		return id
	}
	for range n.providers - len(w.provs) {
		c.providers = append(c.providers, add(auth.RoleProvider, "approved"))
	}
	for range n.enterprises - len(w.ents) {
		c.enterprises = append(c.enterprises, add(auth.RoleEnterprise, nil))
	}
	insertRows(t, w.s.App.DB, "users", []string{"id", "username", "username_key", "role", "status",
		"email", "company_name", "contact_name", "region_code", "provider_status", "password_hash",
		"created_at", "updated_at"}, rows)
	w.crowd = c
}

var listProductNames = []string{"云主机", "对象存储", "云数据库", "安全防护", "企业邮箱", "视频会议"}

// writeProducts writes n products spread over every provider and
// subcategory, a quarter of them the first provider's: of each provider's
// products, seven in ten are published, the others drafts or withdrawn.
func (w *listWorld) writeProducts(t *testing.T, n int) {
	t.Helper()
	db := w.s.App.DB
	firstProduct, firstSpec := nextID(t, db, "products"), nextID(t, db, "specs")
	now, provs := w.s.Clock.Now(), w.crowd.providers
	var products, specs [][]any
	for i := range n {
		round := i / len(provs)
		p := listProduct{id: firstProduct + int64(i), spec: firstSpec + 2*int64(i),
			provider: share(i, provs), leaf: w.leaves[round%len(w.leaves)],
			price: 1000 + int64(i*7919%100000), published: round%10 < 7,
			name: fmt.Sprintf("%s%d", listProductNames[i%len(listProductNames)], i)}
		w.products = append(w.products, p)

		status := catalog.StatusPublished
		switch round % 10 {
		case 7, 8:
			status = catalog.StatusDraft
		case 9:
			status = catalog.StatusUnpublished
		}
		at, rated := now.Add(-time.Duration(n-i)*time.Minute), int64(i%5)
		products = append(products, []any{p.id, p.provider, p.leaf, p.name, "适合中小企业的" + p.name,
			"", status, p.price, rated, rated * int64(3+i%3), at, at})
		specs = append(specs, []any{p.spec, p.id, "标准版", p.price, catalog.BillingMonth, at, at},
			[]any{p.spec + 1, p.id, "高级版", p.price + 500, catalog.BillingYear, at, at})
	}
	insertRows(t, db, "products", []string{"id", "provider_id", "category_id", "name", "summary",
		"description", "status", "min_price_fen", "rating_count", "rating_total", "created_at",
		"updated_at"}, products)
	insertRows(t, db, "specs", []string{"id", "product_id", "name", "price_fen", "billing_unit",
		"created_at", "updated_at"}, specs)
}

// listEvents is the start of every order's timeline.
var listEvents = []struct {
	role             auth.Role
	action, from, to string
}{
	{auth.RoleEnterprise, orders.ActionSubmit, "", orders.StatusSubmitted},
	{auth.RoleProvider, orders.ActionUploadContract, orders.StatusSubmitted,
		orders.StatusContractPending},
	{auth.RoleEnterprise, orders.ActionAgreeContract, orders.StatusContractPending,
		orders.StatusInProgress},
	{auth.RoleProvider, orders.ActionUploadCompletionReport, orders.StatusInProgress,
		orders.StatusCompletionReported},
}

var listStatuses = []string{orders.StatusSubmitted, orders.StatusContractPending,
	orders.StatusContractRejected, orders.StatusInProgress, orders.StatusCompletionReported,
	orders.StatusCompleted, orders.StatusCancelled}

// writeOrders writes n orders of every enterprise with every provider, a
// quarter of them with the first provider, in every status, with one to
// three lines of the provider's published products and one to four events
// each.
func (w *listWorld) writeOrders(t *testing.T, n int) {
	t.Helper()
	db := w.s.App.DB
	offers := map[int64][]listProduct{}
	for _, p := range w.products {
		if p.published {
			offers[p.provider] = append(offers[p.provider], p)
		}
	}
	first, now := nextID(t, db, "orders"), w.s.Clock.Now()
	var rows, lines, events [][]any
	ents, provs := w.crowd.enterprises, w.crowd.providers
	for i := range n {
		ent, prov := ents[i%len(ents)], share(i+i/len(ents), provs)
		o := listOrder{id: first + int64(i), enterprise: ent}
		w.orders = append(w.orders, o)
		at := now.Add(-time.Duration(n-i) * time.Hour)

		var subtotal int64
		for l := range 1 + i%3 {
			p := offers[prov][(i+7*l)%len(offers[prov])]
			qty := int64(1 + l)
			subtotal += p.price * qty
			lines = append(lines, []any{o.id, p.id, p.spec, p.leaf, p.name, "标准版", p.price, qty,
				catalog.BillingMonth, p.price * qty, false})
		}
		rows = append(rows, []any{o.id, ent, prov, w.crowd.names[prov],
			listStatuses[i%len(listStatuses)], subtotal, 0, subtotal, at, at})
		for e := range 1 + i%len(listEvents) {
			ev, actor := listEvents[e], ent
			if ev.role == auth.RoleProvider {
				actor = prov
			}
			events = append(events, []any{o.id, actor, string(ev.role), ev.action, ev.from, ev.to,
				at.Add(time.Duration(e) * time.Minute)})
		}
	}
	insertRows(t, db, "orders", []string{"id", "enterprise_id", "provider_id", "provider_name",
		"status", "subtotal_fen", "discount_fen", "payable_fen", "created_at", "updated_at"}, rows)
	insertRows(t, db, "order_lines", []string{"order_id", "product_id", "spec_id", "category_id",
		"product_name", "spec_name", "unit_price_fen", "quantity", "billing_unit", "line_total_fen",
		"covered"}, lines)
	insertRows(t, db, "order_events", []string{"order_id", "actor_id", "actor_role", "action",
		"from_status", "to_status", "created_at"}, events)
}

// writeEvaluations has up to 150 orders evaluate the first published
// product, and up to 600 more evaluate others.
func (w *listWorld) writeEvaluations(t *testing.T) {
	t.Helper()
	var published []int64
	for _, p := range w.products {
		if p.published {
			published = append(published, p.id)
		}
	}
	w.rated = published[0]
	var rows [][]any
	for i, o := range w.orders[:min(750, len(w.orders))] {
		product := w.rated
		if i >= 150 {
			product = published[1+i%(len(published)-1)]
		}
		rows = append(rows, []any{o.id, product, o.enterprise, 1 + i%5, "运行稳定，服务及时。",
			w.s.Clock.Now()})
	}
	insertRows(t, w.s.App.DB, "evaluations", []string{"order_id", "product_id", "enterprise_id",
		"rating", "usage_report", "created_at"}, rows)
}

// writeCarts fills the first enterprise's cart with 40 lines and puts one
// line in the second's.
func (w *listWorld) writeCarts(t *testing.T) {
	t.Helper()
	var specs []int64
	for _, p := range w.products {
		if p.published && len(specs) < 41 {
			specs = append(specs, p.spec)
		}
	}
	var rows [][]any
	now := w.s.Clock.Now()
	for i, spec := range specs {
		ent := w.ents[0]
		if i == 40 {
			ent = w.ents[1]
		}
		rows = append(rows, []any{ent.ID, spec, 1, now, now})
	}
	insertRows(t, w.s.App.DB, "cart_items", []string{"enterprise_id", "spec_id", "quantity",
		"created_at", "updated_at"}, rows)
}

// writeAuditLog writes n entries of the admin's actions.
func (w *listWorld) writeAuditLog(t *testing.T, n int) {
	t.Helper()
	targets := [][2]string{{"certification.approve", "certification"},
		{"product.unpublish", "product"}, {"user.disable", "user"}, {"policy.activate", "policy"}}
	var rows [][]any
	for i := range n {
		tg := targets[i%len(targets)]
		rows = append(rows, []any{w.admin.ID, string(auth.RoleAdmin), tg[0], tg[1],
			fmt.Sprint(i), w.s.Clock.Now().Add(-time.Duration(n-i) * time.Hour)})
	}
	insertRows(t, w.s.App.DB, "audit_logs", []string{"actor_id", "actor_role", "action",
		"target_type", "target_id", "created_at"}, rows)
}

// share picks the party of row i: the first party for one row in four,
// as the largest provider of a marketplace may hold, the others in turn
// for the rest.
func share(i int, parties []int64) int64 {
	if i%4 == 0 || len(parties) == 1 {
		return parties[0]
	}
	return parties[1+(i-i/4-1)%(len(parties)-1)]
}

// nextID returns the id after the highest in table, so that rows written
// in bulk can name each other.
func nextID(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Raw("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table).Scan(&n).Error; err != nil {
		t.Fatalf("next id of %s: %v", table, err)
	}
	return n
}

// insertRows writes rows into table, a few dozen to a statement: the
// SQLite driver binds values slowly once a statement holds thousands.
func insertRows(t *testing.T, db *gorm.DB, table string, cols []string, rows [][]any) {
	t.Helper()
	batch := max(1, 400/len(cols))
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for start := 0; start < len(rows); start += batch {
		end := min(start+batch, len(rows))
		var args []any
		for _, r := range rows[start:end] {
			args = append(args, r...)
		}
		sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, strings.Join(cols, ", "),
			strings.TrimSuffix(strings.Repeat(tuple+", ", end-start), ", "))
		if err := db.Exec(sql, args...).Error; err != nil {
			t.Fatalf("write %s: %v", table, err)
		}
	}
}

// analyze has the database gather the statistics its planner reads.
func analyze(t *testing.T, db *gorm.DB, driver string) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	stmt := "ANALYZE"
	if driver == database.MySQL {
		stmt = "ANALYZE TABLE users, categories, products, specs, orders, order_lines, " +
			"order_events, evaluations, cart_items, audit_logs, certifications, policies"
	}
	rows, err := sqlDB.QueryContext(context.Background(), stmt)
	if err != nil {
		t.Fatalf("analyze: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("analyze: %v", err)
	}
}
