package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"shangyun/internal/testkit"
)

// statementLog keeps every statement GORM runs on a database while it is
// armed, with its bound values.
type statementLog struct {
	armed atomic.Bool
	mu    sync.Mutex
	kept  []statement
}

// statement is one SQL statement as GORM sent it.
type statement struct {
	sql  string
	vars []any
}

// logStatements registers a statementLog on every kind of statement of
// db. Registering changes db's callbacks, so no request may run
// meanwhile.
func logStatements(t *testing.T, db *gorm.DB) *statementLog {
	t.Helper()
	l := &statementLog{}
	keep := func(tx *gorm.DB) {
		if !l.armed.Load() {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.kept = append(l.kept, statement{sql: tx.Statement.SQL.String(),
			vars: slices.Clone(tx.Statement.Vars)})
	}
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("test:log", keep),
		cb.Row().After("gorm:row").Register("test:log", keep),
		cb.Raw().After("gorm:raw").Register("test:log", keep),
		cb.Create().After("gorm:create").Register("test:log", keep),
		cb.Update().After("gorm:update").Register("test:log", keep),
		cb.Delete().After("gorm:delete").Register("test:log", keep),
	} {
		if err != nil {
			t.Fatalf("register statement log: %v", err)
		}
	}
	return l
}

// during sends GET path and returns the answer and the statements that
// made it, the sign-in lookup included. Requests must come one at a time.
func (l *statementLog) during(t *testing.T, c *testkit.Client, path string) (*testkit.Response,
	[]statement) {
	t.Helper()
	l.mu.Lock()
	l.kept = nil
	l.mu.Unlock()

	l.armed.Store(true)
	r := c.Do("GET", path, nil).Expect(t, http.StatusOK)
	l.armed.Store(false)

	l.mu.Lock()
	defer l.mu.Unlock()
	return r, l.kept
}

// listRead is a GET of a list by one caller; as is nil for anonymous
// reads.
type listRead struct {
	as   *testkit.User
	path string
}

// pagedRead is one list read twice: once answering a single item, once
// answering many.
type pagedRead struct {
	name      string
	one, many listRead
}

// pagedReads are the lists over orders and products, each with a read of
// one item and a read of many.
func (w *listWorld) pagedReads() []pagedRead {
	ent, prov := &w.ents[0], &w.provs[0]
	pages := func(name string, as *testkit.User, path string) pagedRead {
		return pagedRead{name, listRead{as, path + "page_size=1"},
			listRead{as, path + "page_size=50"}}
	}
	q := url.QueryEscape("云")
	return []pagedRead{
		pages("public products", nil, "/api/v1/products?"),
		pages("public products of a subcategory by price", nil,
			fmt.Sprintf("/api/v1/products?category_id=%d&sort=price_asc&", w.leaves[0])),
		pages("public products searched by rating", nil, "/api/v1/products?sort=rating&q="+q+"&"),
		pages("provider's products", prov, "/api/v1/provider/products?"),
		pages("provider's products searched by price", prov,
			"/api/v1/provider/products?sort=price_desc&q="+q+"&"),
		pages("enterprise's orders", ent, "/api/v1/orders?"),
		pages("enterprise's open orders", ent, "/api/v1/orders?status=open&"),
		pages("provider's orders", prov, "/api/v1/orders?"),
		pages("provider's completed orders", prov, "/api/v1/orders?status=completed&"),
		pages("product evaluations", nil, fmt.Sprintf("/api/v1/products/%d/evaluations?", w.rated)),
		{"cart", listRead{&w.ents[1], "/api/v1/cart"}, listRead{ent, "/api/v1/cart"}},
	}
}

// Every list over orders and products runs the same number of statements
// whether it answers one item or many: nothing is read item by item. The
// test is sequential on its own server so that only the measured request
// counts.
func TestListReadsRunFixedStatements(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newListWorld(t, driver, listSize{products: 200, orders: 200, providers: 4,
			enterprises: 4})
		log := logStatements(t, w.s.App.DB)
		for _, read := range w.pagedReads() {
			r, one := log.during(t, w.client(t, read.one.as), read.one.path)
			if n := itemCount(t, r); n != 1 {
				t.Fatalf("%s: %s answers %d items, want 1", read.name, read.one.path, n)
			}
			r, many := log.during(t, w.client(t, read.many.as), read.many.path)
			if n := itemCount(t, r); n < 5 {
				t.Fatalf("%s: %s answers %d items, want at least 5", read.name, read.many.path, n)
			}
			if len(one) != len(many) || len(one) == 0 {
				t.Errorf("%s: %d statements for one item, %d for many", read.name, len(one),
					len(many))
			}
			t.Logf("%s: %d statements", read.name, len(one))
		}
	})
}

// itemCount counts the items of a page, or of a bare array.
func itemCount(t *testing.T, r *testkit.Response) int {
	t.Helper()
	var items []json.RawMessage
	if json.Unmarshal(r.Body, &items) == nil {
		return len(items)
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	r.Decode(t, &page)
	return len(page.Items)
}
