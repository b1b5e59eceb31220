package cataloghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// The wire shapes the tests read, decoded independently of the package's
// own types so that a renamed field shows up as a failure.

type node struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	ParentID     *int64  `json:"parent_id"`
	Introduction string  `json:"introduction"`
	ImageURL     *string `json:"image_url"`
	SortOrder    int     `json:"sort_order"`
	Children     []node  `json:"children"`
}

type categoryProvider struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	LogoURL        *string `json:"logo_url"`
	ProductCount   int     `json:"product_count"`
	LowestPriceFen *int64  `json:"lowest_price_fen"`
}

type categoryPage struct {
	node
	Providers []categoryProvider `json:"providers"`
}

type provider struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Description  string  `json:"description"`
	Website      string  `json:"website"`
	LogoURL      *string `json:"logo_url"`
	Status       string  `json:"status"`
	StatusReason *string `json:"status_reason"`
}

type spec struct {
	ID          int64  `json:"id"`
	ProductID   int64  `json:"product_id"`
	Name        string `json:"name"`
	PriceFen    int64  `json:"price_fen"`
	BillingUnit string `json:"billing_unit"`
	Active      bool   `json:"active"`
}

type attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	SizeBytes   int64  `json:"size_bytes"`
	URL         string `json:"url"`
}

type product struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Summary    string `json:"summary"`
	CategoryID int64  `json:"category_id"`
	Provider   struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"provider"`
	CoverURL       *string `json:"cover_url"`
	LowestPriceFen *int64  `json:"lowest_price_fen"`
	Rating         struct {
		Average float64 `json:"average"`
		Count   int     `json:"count"`
	} `json:"rating"`
	Status      string       `json:"status"`
	Description string       `json:"description"`
	Specs       []spec       `json:"specs"`
	Attachments []attachment `json:"attachments"`
	Blocked     bool         `json:"blocked"`
	BlockReason *string      `json:"block_reason"`
}

type productPage struct {
	Items    []product `json:"items"`
	Page     int       `json:"page"`
	PageSize int       `json:"page_size"`
	Total    int64     `json:"total"`
}

// world is a running server with an admin and a two-level category tree
// to put products in.
type world struct {
	s     *testkit.Server
	admin testkit.User
	top   node // a top-level category
	leaf  node // a second-level category under top
}

func newWorld(t *testing.T, driver string) *world {
	t.Helper()
	w := &world{s: testkit.NewServer(t, driver)}
	w.admin = w.s.NewUser(t, auth.RoleAdmin)
	w.top = w.category(t, "云基础设施", 0)
	w.leaf = w.category(t, "云主机", w.top.ID)
	return w
}

// as returns a client of w signed in as u.
func (w *world) as(t *testing.T, u testkit.User) *testkit.Client {
	return w.s.Client(t).As(u.Access)
}

// category makes a category as the admin; parent 0 makes a top-level one.
func (w *world) category(t *testing.T, name string, parent int64) node {
	t.Helper()
	body := map[string]any{"name": name, "introduction": name + "的介绍"}
	if parent != 0 {
		body["parent_id"] = parent
	}
	var n node
	w.as(t, w.admin).Do("POST", "/api/v1/admin/categories", body).
		Expect(t, http.StatusCreated).Decode(t, &n)
	return n
}

// draft makes a draft product of prov in category.
func (w *world) draft(t *testing.T, prov testkit.User, category int64,
	name, summary string) product {
	t.Helper()
	var p product
	w.as(t, prov).Do("POST", "/api/v1/provider/products", map[string]any{
		"category_id": category, "name": name, "summary": summary,
		"description": "产品说明"}).
		Expect(t, http.StatusCreated).Decode(t, &p)
	return p
}

// addSpec adds a monthly spec at price to a product of prov.
func (w *world) addSpec(t *testing.T, prov testkit.User, productID, price int64) spec {
	t.Helper()
	var sp spec
	w.as(t, prov).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/specs", productID),
		map[string]any{"name": fmt.Sprintf("规格%d", price), "price_fen": price,
			"billing_unit": "month"}).
		Expect(t, http.StatusCreated).Decode(t, &sp)
	return sp
}

// publish publishes a product of prov.
func (w *world) publish(t *testing.T, prov testkit.User, productID int64) product {
	t.Helper()
	var p product
	w.as(t, prov).Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/publish", productID), nil).
		Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// published makes a published product of prov with a spec at each price.
func (w *world) published(t *testing.T, prov testkit.User, category int64, name, summary string,
	prices ...int64) product {
	t.Helper()
	p := w.draft(t, prov, category, name, summary)
	for _, price := range prices {
		w.addSpec(t, prov, p.ID, price)
	}
	return w.publish(t, prov, p.ID)
}

// publicProduct reads a product through the public route.
func (w *world) publicProduct(t *testing.T, id int64) product {
	t.Helper()
	var p product
	w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/products/%d", id), nil).
		Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// publicProvider reads a provider's public profile.
func (w *world) publicProvider(t *testing.T, id int64) provider {
	t.Helper()
	var p provider
	w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/providers/%d", id), nil).
		Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// ownProduct reads a product through its provider's route.
func (w *world) ownProduct(t *testing.T, prov testkit.User, id int64) product {
	t.Helper()
	var p product
	w.as(t, prov).Do("GET", fmt.Sprintf("/api/v1/provider/products/%d", id), nil).
		Expect(t, http.StatusOK).Decode(t, &p)
	return p
}

// list reads the public product list with query (starting with "?" or
// empty).
func (w *world) list(t *testing.T, query string) productPage {
	t.Helper()
	var page productPage
	w.s.Client(t).Do("GET", "/api/v1/products"+query, nil).
		Expect(t, http.StatusOK).Decode(t, &page)
	return page
}

// ids returns the ids of a page's items, in order.
func ids(page productPage) []int64 {
	out := []int64{}
	for _, p := range page.Items {
		out = append(out, p.ID)
	}
	return out
}

var pendingSeq atomic.Int64

// pendingProvider registers a provider that no admin has decided on yet
// and signs it in.
func (w *world) pendingProvider(t *testing.T) testkit.User {
	t.Helper()
	n := pendingSeq.Add(1)
	u := testkit.User{Role: auth.RoleProvider, Username: fmt.Sprintf("pending_%d", n),
		Password: testkit.Password}
	made, err := w.s.App.Accounts.Register(context.Background(), accounts.Registration{
		AccountType: "provider", Username: u.Username, Password: u.Password,
		Email: email(u), Phone: fmt.Sprintf("137%08d", n),
		CompanyName: "待审服务商" + u.Username, ContactName: "测试"})
	if err != nil {
		t.Fatalf("register provider: %v", err)
	}
	u.ID = made.ID
	var session struct {
		AccessToken string `json:"access_token"`
	}
	w.s.Client(t).Do("POST", "/api/v1/auth/login",
		map[string]string{"login": u.Username, "password": u.Password}).
		Expect(t, http.StatusOK).Decode(t, &session)
	u.Access = session.AccessToken
	return u
}

// email is the address testkit and pendingProvider give an account.
func email(u testkit.User) string { return u.Username + "@test.example" }

// count counts the rows of table matching where.
func (w *world) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := w.s.App.DB.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// exec runs a statement directly on the database, for states no route
// makes yet.
func (w *world) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if err := w.s.App.DB.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func ptr[T any](v T) *T { return &v }
