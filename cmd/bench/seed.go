package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"shangyun/internal/accounts/password"
	"shangyun/internal/database"
	"shangyun/internal/regions"
	"shangyun/internal/regions/regionsdb"
)

// benchUsers are the enterprises the load runs as: certified, each with a
// benefit and a known share of the orders.
const (
	benchUsers     = 64
	ordersPerBench = 150
	benchPassword  = "Bench2026load"
)

// fixture is what the load needs to know of the seeded data.
type fixture struct {
	leaves   []int64
	products []int64
	specs    []int64
	users    []benchUser
}

type benchUser struct {
	id       int64
	username string
	token    string
	orders   []int64
}

// prepare migrates the database, seeds it unless asked not to, and reads
// back what the load needs.
func prepare(ctx context.Context, o options) (*fixture, error) {
	gdb, err := database.Open(ctx, database.Options{Driver: o.driver, DSN: o.dsn,
		MaxOpenConns: 8, MaxIdleConns: 8, ConnMaxLifetime: time.Hour, Logger: slog.Default()})
	if err != nil {
		return nil, err
	}
	if err := database.Migrate(ctx, gdb, o.driver, nil); err != nil {
		return nil, err
	}
	if _, err := regions.Sync(ctx, regionsdb.New(gdb)); err != nil {
		return nil, err
	}
	db, err := gdb.DB()
	if err != nil {
		return nil, err
	}
	defer func() { _ = db.Close() }()

	if !o.skipSeed {
		if err := seed(ctx, db, o); err != nil {
			return nil, err
		}
	}
	return load(ctx, db)
}

func seed(ctx context.Context, db *sql.DB, o options) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database already holds %d users: give an empty one, or -skip-seed", n)
	}
	seedRegions, err := regions.Seed()
	if err != nil {
		return err
	}
	var counties []string
	for _, r := range seedRegions {
		if r.Level == regions.LevelCounty {
			counties = append(counties, r.Code)
		}
	}
	hash, err := password.Hash(benchPassword)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	rng := rand.New(rand.NewPCG(1, 2))

	steps := []func(writer) error{
		func(wr writer) error { return seedUsers(ctx, wr, o, counties, hash, now) },
		func(wr writer) error { return seedCatalog(ctx, wr, o, rng, now) },
		func(wr writer) error { return seedBenefits(ctx, wr, now) },
		func(wr writer) error { return seedOrders(ctx, wr, o, rng, now) },
	}
	for _, step := range steps {
		if err := write(ctx, db, o.driver, step); err != nil {
			return err
		}
	}
	return analyze(ctx, db, o.driver)
}

// analyze refreshes the planner's statistics after the bulk load and, on
// SQLite, folds the write-ahead log back into the database file so that
// the servers start from a short log.
func analyze(ctx context.Context, db *sql.DB, driver string) error {
	if driver == database.SQLite {
		for _, q := range []string{"ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
	for _, t := range []string{"users", "products", "specs", "orders", "order_lines", "order_events"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

func seedUsers(ctx context.Context, wr writer, o options, counties []string, hash string,
	now time.Time) error {
	cols := []string{"username", "username_key", "role", "status", "email", "phone", "company_name",
		"contact_name", "region_code", "provider_status", "password_hash", "session_version",
		"created_at", "updated_at"}
	total := o.enterprises + o.providers
	return bulk(ctx, wr, "users", cols, total, func(i int) []any {
		name := fmt.Sprintf("bench_e%06d", i)
		role, status := "enterprise", any(nil)
		region := any(counties[i%len(counties)])
		company := fmt.Sprintf("基准企业%06d有限公司", i)
		if i >= o.enterprises {
			name = fmt.Sprintf("bench_p%03d", i-o.enterprises)
			role, status, region = "provider", "approved", nil
			company = fmt.Sprintf("基准云服务商%03d", i-o.enterprises)
		}
		return []any{name, name, role, "active", name + "@bench.example", fmt.Sprintf("13%09d", i),
			company, "联系人", region, status, hash, 1, now.Add(-time.Duration(total-i) * time.Minute), now}
	})
}

var leafNames = []string{"云主机", "云存储", "云服务器备份", "云数据库", "CDN加速", "云桌面", "企业邮箱",
	"协同办公", "视频会议", "客户关系管理", "主机安全", "Web应用防火墙", "数据加密", "数据分析",
	"人工智能服务", "设备上云", "工业APP", "上云咨询", "系统迁移", "运维托管"}

func seedCatalog(ctx context.Context, wr writer, o options, rng *rand.Rand, now time.Time) error {
	for i, top := range []string{"云基础设施", "云应用", "云安全", "大数据与智能", "工业互联网", "信息化服务"} {
		if _, err := wr.ExecContext(ctx, "INSERT INTO categories (id, parent_id, name, introduction, "+
			"sort_order, created_at, updated_at) VALUES (?, NULL, ?, '', ?, ?, ?)", i+1, top, i, now, now); err != nil {
			return err
		}
	}
	err := bulk(ctx, wr, "categories", []string{"id", "parent_id", "name", "introduction", "sort_order",
		"created_at", "updated_at"}, len(leafNames), func(i int) []any {
		return []any{100 + i, 1 + i%6, leafNames[i], leafNames[i] + "的介绍", i, now, now}
	})
	if err != nil {
		return err
	}

	firstProvider := int64(o.enterprises + 1)
	prices := make([]int64, o.products*o.specs)
	for i := range prices {
		prices[i] = int64(1000 + rng.IntN(200_000))
	}
	err = bulk(ctx, wr, "products", []string{"provider_id", "category_id", "name", "summary",
		"description", "status", "blocked", "min_price_fen", "created_at", "updated_at"}, o.products,
		func(i int) []any {
			lowest := prices[i*o.specs]
			for j := 1; j < o.specs; j++ {
				lowest = min(lowest, prices[i*o.specs+j])
			}
			return []any{firstProvider + int64(i%o.providers), 100 + i%len(leafNames),
				fmt.Sprintf("%s 产品 %04d", leafNames[i%len(leafNames)], i),
				"面向中小企业的云服务，按需付费，开箱即用", "产品详细介绍。", "published", false, lowest,
				now.Add(-time.Duration(o.products-i) * time.Hour), now}
		})
	if err != nil {
		return err
	}
	return bulk(ctx, wr, "specs", []string{"product_id", "name", "description", "price_fen",
		"billing_unit", "active", "created_at", "updated_at"}, o.products*o.specs, func(i int) []any {
		return []any{1 + i/o.specs, fmt.Sprintf("规格 %d", i%o.specs+1), "", prices[i], "month", true, now, now}
	})
}

// seedBenefits certifies the bench enterprises and gives each a benefit of
// an active policy large enough that every order placed gets a discount.
func seedBenefits(ctx context.Context, wr writer, now time.Time) error {
	res, err := wr.ExecContext(ctx, "INSERT INTO files (storage_key, original_name, content_type, "+
		"size_bytes, sha256, uploaded_by, created_at) VALUES (?, 'licence.png', 'image/png', 1, ?, 1, ?)",
		strings.Repeat("0", 32), strings.Repeat("0", 64), now)
	if err != nil {
		return err
	}
	file, _ := res.LastInsertId()
	err = bulk(ctx, wr, "certifications", []string{"enterprise_id", "region_code", "company_name",
		"credit_code", "legal_representative", "legal_representative_id", "business_license_file_id",
		"id_card_front_file_id", "id_card_back_file_id", "status", "created_at", "updated_at"},
		benchUsers, func(i int) []any {
			var region string
			_ = wr.QueryRowContext(ctx, "SELECT region_code FROM users WHERE id = ?", i+1).Scan(&region)
			return []any{i + 1, region, "基准企业", fmt.Sprintf("91410100MA%08d", i), "法人",
				"410102199003071230", file, file, file, "approved", now, now}
		})
	if err != nil {
		return err
	}
	const quota = int64(1_000_000_000_000)
	_, err = wr.ExecContext(ctx, "INSERT INTO policies (id, name, description, discount_rate, "+
		"per_order_cap_fen, per_enterprise_quota_fen, total_budget_fen, budget_claimed_fen, "+
		"beneficiaries, valid_from, valid_until, status, version, created_at, updated_at) "+
		"VALUES (1, '基准补贴', '', 3000, 500000, ?, ?, ?, ?, ?, ?, 'active', 1, ?, ?)",
		quota, quota*benchUsers, quota*benchUsers, benchUsers, now.Add(-24*time.Hour),
		now.AddDate(1, 0, 0), now, now)
	if err != nil {
		return err
	}
	err = bulk(ctx, wr, "benefits", []string{"id", "policy_id", "enterprise_id", "status", "quota_fen",
		"created_at", "updated_at"}, benchUsers, func(i int) []any {
		return []any{i + 1, 1, i + 1, "claimed", quota, now, now}
	})
	if err != nil {
		return err
	}
	return bulk(ctx, wr, "ledger_entries", []string{"policy_id", "benefit_id", "enterprise_id", "kind",
		"amount_fen", "created_at"}, benchUsers, func(i int) []any {
		return []any{1, i + 1, i + 1, "claim", quota, now}
	})
}

// seedOrders gives each bench enterprise its share and spreads the rest
// over every enterprise, each order with one line and one event.
func seedOrders(ctx context.Context, wr writer, o options, rng *rand.Rand, now time.Time) error {
	firstProvider := int64(o.enterprises + 1)
	statuses := []string{"submitted", "contract_pending", "in_progress", "completed", "cancelled"}
	owner := func(i int) int64 {
		if i < benchUsers*ordersPerBench {
			return int64(1 + i%benchUsers)
		}
		return int64(1 + (i*7919)%o.enterprises)
	}
	price := func(i int) int64 { return int64(1000 + (i*104729)%200_000) }
	err := bulk(ctx, wr, "orders", []string{"id", "enterprise_id", "provider_id", "provider_name",
		"status", "subtotal_fen", "discount_fen", "payable_fen", "no_discount_reason", "created_at",
		"updated_at"}, o.orders, func(i int) []any {
		p := price(i)
		at := now.Add(-time.Duration(o.orders-i) * time.Second)
		return []any{i + 1, owner(i), firstProvider + int64(i%o.providers),
			fmt.Sprintf("基准云服务商%03d", i%o.providers), statuses[i%len(statuses)], p, 0, p,
			"no_benefit", at, at}
	})
	if err != nil {
		return err
	}
	_ = rng
	err = bulk(ctx, wr, "order_lines", []string{"order_id", "product_id", "spec_id", "category_id",
		"product_name", "spec_name", "unit_price_fen", "quantity", "billing_unit", "line_total_fen",
		"covered"}, o.orders, func(i int) []any {
		product := 1 + i%o.products
		return []any{i + 1, product, 1 + (product-1)*o.specs, 100 + (product-1)%len(leafNames),
			"基准产品", "规格 1", price(i), 1, "month", price(i), false}
	})
	if err != nil {
		return err
	}
	return bulk(ctx, wr, "order_events", []string{"order_id", "actor_id", "actor_role", "action",
		"from_status", "to_status", "note", "created_at"}, o.orders, func(i int) []any {
		return []any{i + 1, owner(i), "enterprise", "submit", "", "submitted", "",
			now.Add(-time.Duration(o.orders-i) * time.Second)}
	})
}

// load reads back the ids the load uses.
func load(ctx context.Context, db *sql.DB) (*fixture, error) {
	f := &fixture{}
	for _, q := range []struct {
		sql string
		dst *[]int64
	}{
		{"SELECT id FROM categories WHERE parent_id IS NOT NULL ORDER BY id", &f.leaves},
		{"SELECT id FROM products WHERE status = 'published' ORDER BY id LIMIT 2000", &f.products},
		{"SELECT id FROM specs WHERE active ORDER BY id LIMIT 2000", &f.specs},
	} {
		if err := ids(ctx, db, q.dst, q.sql); err != nil {
			return nil, err
		}
	}
	for i := range benchUsers {
		u := benchUser{id: int64(i + 1), username: fmt.Sprintf("bench_e%06d", i)}
		err := ids(ctx, db, &u.orders, "SELECT id FROM orders WHERE enterprise_id = ? "+
			"ORDER BY id DESC LIMIT 50", u.id)
		if err != nil {
			return nil, err
		}
		f.users = append(f.users, u)
	}
	return f, nil
}

// ids appends the ids a query answers to dst.
func ids(ctx context.Context, db *sql.DB, dst *[]int64, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		*dst = append(*dst, id)
	}
	return rows.Err()
}
