package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"shangyun/internal/catalog"
	"shangyun/internal/database"
	"shangyun/internal/testkit"
)

// guarded are the tables no list may read whole: they grow with the
// marketplace.
var guarded = map[string]bool{"orders": true, "products": true}

// watched are the other tables that grow with use; a list reading one of
// them whole is logged for a reader to weigh, not failed.
var watched = map[string]bool{"order_events": true, "order_lines": true, "ledger_entries": true,
	"certifications": true, "audit_logs": true, "evaluations": true, "specs": true,
	"cart_items": true, "users": true, "benefits": true, "order_attachments": true}

// Every list query finds its orders and products through an index, on
// thousands of rows spread as in a real marketplace (one provider holding
// a quarter of them), so that no list slows down as the marketplace
// grows. Every role reads every list with each filter and order it
// offers; each SELECT they cause is explained. Reports add up whole
// tables by design: their plans are logged only.
func TestListQueriesUseIndexes(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		// The SQLite engine is Go code, which the race detector slows tenfold:
		// a third of the rows keeps its plans the same and the test quick.
		size := listSize{products: 3000, orders: 3000, providers: 40, enterprises: 100}
		if driver == database.SQLite {
			size.products, size.orders = 1000, 1000
		}
		w := newListWorld(t, driver, size)
		log := logStatements(t, w.s.App.DB)
		explain := planner(t, w.s.App.DB, driver)

		seen := map[string]bool{}
		for _, read := range w.listReads() {
			_, stmts := log.during(t, w.client(t, read.as), read.path)
			for _, st := range stmts {
				key := st.sql + fmt.Sprint(st.vars)
				if seen[key] || !isSelect(st.sql) {
					continue
				}
				seen[key] = true
				checkPlan(t, w.s.App.DB, read.path, st, explain(st), isReport(read.path))
			}
		}

		// The guard itself: a query known to read every order is caught.
		probe := statement{sql: "SELECT COUNT(*) FROM orders WHERE payable_fen > ?", vars: []any{0}}
		if steps := explain(probe); len(scanned(probe.sql, steps)) == 0 {
			t.Errorf("a scan of every order went unnoticed: %+v", steps)
		}
	})
}

// listReads are the lists each role reads, with the filters and orders
// they offer, and the reports.
func (w *listWorld) listReads() []listRead {
	ent, prov, rev, admin := &w.ents[0], &w.provs[0], &w.reviewer, &w.admin
	q := url.QueryEscape("云")
	reads := []listRead{
		{nil, "/api/v1/categories"},
		{nil, fmt.Sprintf("/api/v1/categories/%d", w.tops[0])},
		{nil, fmt.Sprintf("/api/v1/categories/%d", w.leaves[0])},
		{nil, "/api/v1/regions?parent=410000"},
		{nil, "/api/v1/products"},
		{nil, "/api/v1/products?page=20&page_size=50"},
		{nil, fmt.Sprintf("/api/v1/products?category_id=%d", w.leaves[1])},
		{nil, fmt.Sprintf("/api/v1/products?provider_id=%d", prov.ID)},
		{nil, "/api/v1/products?q=" + q},
		{nil, fmt.Sprintf("/api/v1/products/%d/evaluations", w.rated)},
		{prov, "/api/v1/provider/products"},
		{prov, fmt.Sprintf("/api/v1/provider/products?category_id=%d&q=%s", w.leaves[2], q)},
		{ent, "/api/v1/cart"},
		{ent, "/api/v1/benefits"},
		{ent, "/api/v1/certifications"},
	}
	for _, sort := range []string{catalog.SortNewest, catalog.SortPriceAsc, catalog.SortPriceDesc,
		catalog.SortRating} {
		reads = append(reads, listRead{nil, "/api/v1/products?sort=" + sort},
			listRead{nil, fmt.Sprintf("/api/v1/products?category_id=%d&sort=%s", w.leaves[0],
				sort)},
			listRead{nil, fmt.Sprintf("/api/v1/products?q=%s&sort=%s", q, sort)},
			listRead{prov, "/api/v1/provider/products?sort=" + sort})
	}
	for _, query := range []string{"", "&status=open", "&status=completed", "&status=cancelled",
		"&status=all"} {
		path := "/api/v1/orders?page=2" + query
		reads = append(reads, listRead{ent, path}, listRead{prov, path})
	}
	reads = append(reads, w.staffReads(rev, admin)...)
	return reads
}

// staffReads are the lists and reports of reviewers and admins.
func (w *listWorld) staffReads(rev, admin *testkit.User) []listRead {
	reads := []listRead{
		{rev, "/api/v1/review/certifications"},
		{rev, "/api/v1/review/certifications?status=approved&region_code=410102"},
		{admin, "/api/v1/review/certifications?status=pending"},
		{admin, "/api/v1/admin/users"},
		{admin, "/api/v1/admin/users?role=enterprise&status=active&region_code=410100"},
		{admin, "/api/v1/admin/users?role=provider&provider_status=approved"},
		{admin, "/api/v1/admin/users?q=provider"},
		{admin, "/api/v1/admin/policies"},
		{admin, "/api/v1/admin/policies?status=active"},
		{admin, "/api/v1/admin/audit-logs"},
		{admin, "/api/v1/admin/audit-logs?action=user.disable"},
		{admin, fmt.Sprintf("/api/v1/admin/audit-logs?actor_id=%d", admin.ID)},
		{admin, "/api/v1/admin/audit-logs?target_type=product&target_id=7"},
		{admin, "/api/v1/admin/audit-logs?from=2026-11-01&to=2026-11-30"},
	}
	for _, name := range []string{"certifications", "benefits", "orders", "enterprises"} {
		path := "/api/v1/reports/" + name
		reads = append(reads, listRead{rev, path}, listRead{admin, path},
			listRead{admin, path + "?from=2026-11-01&to=2026-11-30"})
	}
	return reads
}

func isSelect(query string) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(query)), "SELECT")
}

func isReport(path string) bool { return strings.HasPrefix(path, "/api/v1/reports/") }

// planStep is one table read of a plan: the table as the plan names it,
// how it is read (ALL for every row) and the index used, if any.
type planStep struct {
	table, access, key, line string
}

// planner returns what the database plans for a statement: EXPLAIN on
// MySQL, EXPLAIN QUERY PLAN on SQLite. The statements bypass GORM, so
// they are not logged themselves.
func planner(t *testing.T, db *gorm.DB, driver string) func(statement) []planStep {
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	return func(st statement) []planStep {
		t.Helper()
		prefix := "EXPLAIN QUERY PLAN "
		if driver == database.MySQL {
			prefix = "EXPLAIN "
		}
		rows, err := sqlDB.QueryContext(context.Background(), prefix+st.sql, st.vars...)
		if err != nil {
			t.Fatalf("explain %s: %v", st.sql, err)
		}
		defer rows.Close()
		steps, err := readPlan(rows, driver)
		if err != nil {
			t.Fatalf("explain %s: %v", st.sql, err)
		}
		return steps
	}
}

// readPlan reads the rows of an EXPLAIN as plan steps.
func readPlan(rows *sql.Rows, driver string) ([]planStep, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var steps []planStep
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := map[string]string{}
		for i, c := range cols {
			row[c] = "NULL"
			if vals[i].Valid {
				row[c] = vals[i].String
			}
		}
		if driver == database.MySQL {
			steps = append(steps, mysqlStep(row))
		} else {
			steps = append(steps, sqliteStep(row["detail"]))
		}
	}
	return steps, rows.Err()
}

func mysqlStep(row map[string]string) planStep {
	return planStep{table: row["table"], access: row["type"], key: row["key"],
		line: fmt.Sprintf("table=%s type=%s key=%s rows=%s extra=%s", row["table"], row["type"],
			row["key"], row["rows"], row["Extra"])}
}

var (
	sqliteScan   = regexp.MustCompile(`^SCAN (?:TABLE )?(\w+)(?: AS (\w+))?$`)
	sqliteIndex  = regexp.MustCompile(`^(?:SCAN|SEARCH) (?:TABLE )?(\w+)(?: AS (\w+))? USING (.+)$`)
	sqliteTarget = func(m []string) string {
		if m[2] != "" {
			return m[2]
		}
		return m[1]
	}
)

// sqliteStep reads one line of EXPLAIN QUERY PLAN: "SCAN t" reads the
// rows of t in id order; "SCAN t USING INDEX i" and "SEARCH t USING ..."
// go through an index. A walk in id order that a LIMIT stops early reads
// "SCAN t" as well: the guard counts it as a scan, where MySQL would name
// the primary key.
func sqliteStep(detail string) planStep {
	if m := sqliteScan.FindStringSubmatch(detail); m != nil {
		return planStep{table: sqliteTarget(m), access: "ALL", key: "NULL", line: detail}
	}
	if m := sqliteIndex.FindStringSubmatch(detail); m != nil {
		return planStep{table: sqliteTarget(m), access: "index", key: m[3], line: detail}
	}
	return planStep{table: "NULL", line: detail}
}

// tableRef finds the tables a statement reads, once unquoted, and the
// names it gives them.
var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)

var sqlWords = map[string]bool{"WHERE": true, "JOIN": true, "LEFT": true, "RIGHT": true,
	"INNER": true, "CROSS": true, "ON": true, "ORDER": true, "GROUP": true, "LIMIT": true,
	"USING": true, "FORCE": true, "USE": true, "IGNORE": true, "HAVING": true, "UNION": true}

// names maps each name a plan may give a table of the statement to the
// table: the table itself and its alias.
func names(query string) map[string]string {
	out := map[string]string{}
	unquoted := strings.NewReplacer("`", "", `"`, "").Replace(query)
	for _, m := range tableRef.FindAllStringSubmatch(unquoted, -1) {
		out[m[1]] = m[1]
		if m[2] != "" && !sqlWords[strings.ToUpper(m[2])] {
			out[m[2]] = m[1]
		}
	}
	return out
}

// scanned returns the guarded tables the plan reads without an index.
func scanned(query string, steps []planStep) []string {
	var out []string
	tables := names(query)
	for _, s := range steps {
		if table := tables[s.table]; guarded[table] && (s.access == "ALL" || s.key == "NULL") {
			out = append(out, table)
		}
	}
	return out
}

// checkPlan fails the test when the statement reads orders or products
// without an index, and logs scans of the other large tables. A report's
// scans are logged only.
func checkPlan(t *testing.T, db *gorm.DB, path string, st statement, steps []planStep,
	report bool) {
	t.Helper()
	literal := db.Explain(st.sql, st.vars...)
	lines := make([]string, len(steps))
	for i, s := range steps {
		lines[i] = s.line
	}
	plan := strings.Join(lines, "\n  ")

	if whole := scanned(st.sql, steps); len(whole) > 0 {
		if report {
			t.Logf("GET %s scans %v, as a report adding up the table may:\n%s\n  %s", path, whole,
				literal, plan)
		} else {
			t.Errorf("GET %s scans %v without an index:\n%s\n  %s", path, whole, literal, plan)
		}
	}
	tables := names(st.sql)
	for _, s := range steps {
		if watched[tables[s.table]] && s.access == "ALL" {
			t.Logf("GET %s scans %s without an index:\n%s\n  %s", path, tables[s.table], literal,
				plan)
		}
	}
}
