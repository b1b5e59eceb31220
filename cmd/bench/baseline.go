package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers "mysql" with database/sql
	"github.com/golang-jwt/jwt/v5"

	"shangyun/internal/database"
)

// baselineServer is the limit to compare with: plain net/http and
// database/sql, no framework, no ORM, running the statements Shangyun runs
// for the same reads and writing the same JSON.
type baselineServer struct {
	// stmts prepares every statement the baseline runs, as Shangyun does
	// its frequent reads: database/sql underneath, no ORM.
	stmts *database.Statements
}

// startBaseline runs the baseline in a process of its own, as Shangyun
// runs: in the load generator's process it would share its scheduler and
// its garbage collector, and skip the hand-over between processes that
// every request to Shangyun pays.
func startBaseline(ctx context.Context, o options) (*process, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.CommandContext(ctx, exe, "-serve-baseline", addr, "-driver", o.driver,
		"-dsn", o.dsn, "-c", strconv.Itoa(o.concurrency))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{url: "http://" + addr, cmd: cmd}
	return p, p.ready()
}

// serveBaseline serves the baseline at o.serveBase until interrupted.
func serveBaseline(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	db, err := openBaseline(ctx, o)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(o.concurrency)
	db.SetMaxIdleConns(o.concurrency)
	b := &baselineServer{stmts: database.NewStatements(db)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {})
	mux.HandleFunc("GET /api/v1/products", b.products)
	mux.HandleFunc("GET /api/v1/products/{id}", b.product)
	mux.HandleFunc("GET /api/v1/orders", b.orders)
	srv := &http.Server{Addr: o.serveBase, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openBaseline opens the baseline's pool. On SQLite it goes through
// database.Open for its connection string alone, so that the pool has the
// pragmas Shangyun's has (foreign keys, write-ahead log, busy timeout,
// immediate write transactions); the handlers then use database/sql only.
func openBaseline(ctx context.Context, o options) (*sql.DB, error) {
	if o.driver == database.SQLite {
		gdb, err := database.Open(ctx, database.Options{Driver: database.SQLite, DSN: o.dsn,
			MaxOpenConns: o.concurrency, MaxIdleConns: o.concurrency, Logger: slog.Default()})
		if err != nil {
			return nil, err
		}
		return gdb.DB()
	}
	// The driver settings Shangyun's are, client-side interpolation of
	// arguments included.
	cfg, err := database.MySQLConfig(o.dsn)
	if err != nil {
		return nil, err
	}
	return sql.Open("mysql", cfg.FormatDSN())
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status int) { w.WriteHeader(status) }

type summary struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Summary        string    `json:"summary"`
	CategoryID     int64     `json:"category_id"`
	Provider       ref       `json:"provider"`
	CoverURL       *string   `json:"cover_url"`
	LowestPriceFen *int64    `json:"lowest_price_fen"`
	Rating         rating    `json:"rating"`
	Status         string    `json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"-"`
}

type ref struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type rating struct {
	Average float64 `json:"average"`
	Count   int     `json:"count"`
}

const productJoin = " FROM `products` JOIN users ON users.id = products.provider_id WHERE " +
	"products.status = ? AND users.provider_status = ? AND users.status = ?"

// listCols are the columns of Shangyun's product list, detailCols those of
// its product detail.
const listCols = "SELECT products.id, products.provider_id, products.category_id, " +
	"products.name, products.summary, products.cover_file_id, products.status, " +
	"products.blocked, products.block_reason, products.min_price_fen, products.rating_count, " +
	"products.rating_total, products.created_at, products.updated_at, users.company_name, " +
	"users.provider_status, users.status"

const detailCols = listCols + ", products.description"

// scanSummary reads the listCols of a row, and then the rest into more.
func scanSummary(rows interface{ Scan(...any) error }, s *summary, more ...any) error {
	var cover *int64
	var total int
	var blocked bool
	var reason, providerStatus *string
	var userStatus string
	err := rows.Scan(append([]any{&s.ID, &s.Provider.ID, &s.CategoryID, &s.Name, &s.Summary,
		&cover, &s.Status, &blocked, &reason, &s.LowestPriceFen, &s.Rating.Count, &total,
		&s.CreatedAt, &s.UpdatedAt, &s.Provider.Name, &providerStatus, &userStatus},
		more...)...)
	if cover != nil {
		u := "/api/v1/products/" + strconv.FormatInt(s.ID, 10) + "/cover"
		s.CoverURL = &u
	}
	if s.Rating.Count > 0 {
		s.Rating.Average = float64(total) / float64(s.Rating.Count)
	}
	return err
}

func (b *baselineServer) products(w http.ResponseWriter, r *http.Request) {
	cat, _ := strconv.ParseInt(r.URL.Query().Get("category_id"), 10, 64)
	size, err := strconv.Atoi(r.URL.Query().Get("page_size"))
	if err != nil || size < 1 || size > 100 {
		size = 20
	}
	args := []any{"published", "approved", "active", cat}
	var total int64
	err = b.stmts.QueryRowContext(r.Context(), "SELECT count(*)"+productJoin+
		" AND products.category_id = ?", args...).Scan(&total)
	if err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	rows, err := b.stmts.QueryContext(r.Context(), listCols+productJoin+
		" AND products.category_id = ? ORDER BY products.id DESC LIMIT ?", append(args, size)...)
	if err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	defer func() { _ = rows.Close() }()
	items := []summary{}
	for rows.Next() {
		var s summary
		if err := scanSummary(rows, &s); err != nil {
			fail(w, http.StatusInternalServerError)
			return
		}
		items = append(items, s)
	}
	if rows.Err() != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"items": items, "page": 1, "page_size": size, "total": total})
}

func (b *baselineServer) product(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	ctx := r.Context()
	var s summary
	var desc string
	row := b.stmts.QueryRowContext(ctx, detailCols+productJoin+" AND products.id = ? LIMIT 1",
		"published", "approved", "active", id)
	if err := scanSummary(row, &s, &desc); err != nil {
		fail(w, http.StatusNotFound)
		return
	}
	rows, err := b.stmts.QueryContext(ctx, "SELECT id, product_id, name, description, price_fen, "+
		"billing_unit, active FROM `specs` WHERE product_id = ? ORDER BY active DESC, price_fen, id", id)
	if err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	type spec struct {
		ID          int64  `json:"id"`
		ProductID   int64  `json:"product_id"`
		Name        string `json:"name"`
		Description string `json:"description"`
		PriceFen    int64  `json:"price_fen"`
		BillingUnit string `json:"billing_unit"`
		Active      bool   `json:"active"`
	}
	defer func() { _ = rows.Close() }()
	specs := []spec{}
	for rows.Next() {
		var sp spec
		if err := rows.Scan(&sp.ID, &sp.ProductID, &sp.Name, &sp.Description, &sp.PriceFen,
			&sp.BillingUnit, &sp.Active); err == nil && sp.Active {
			specs = append(specs, sp)
		}
	}
	if rows.Err() != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	var atts int
	_ = b.stmts.QueryRowContext(ctx, "SELECT count(*) FROM product_attachments JOIN files ON "+
		"files.id = product_attachments.file_id WHERE product_attachments.product_id = ?", id).Scan(&atts)
	writeJSON(w, map[string]any{"id": s.ID, "name": s.Name, "summary": s.Summary,
		"category_id": s.CategoryID, "provider": s.Provider, "cover_url": s.CoverURL,
		"lowest_price_fen": s.LowestPriceFen, "rating": s.Rating, "status": s.Status,
		"created_at": s.CreatedAt, "description": desc, "specs": specs, "attachments": []any{},
		"blocked": false, "block_reason": nil, "updated_at": s.UpdatedAt})
}

// caller checks the bearer token as Shangyun does: signature, claims, and
// the account read from the database.
func (b *baselineServer) caller(r *http.Request) (int64, bool) {
	raw := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok, err := jwt.Parse(raw, func(*jwt.Token) (any, error) { return []byte(benchSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("shangyun"),
		jwt.WithAudience("shangyun-api"))
	if err != nil {
		return 0, false
	}
	sub, _ := tok.Claims.GetSubject()
	id, _ := strconv.ParseInt(sub, 10, 64)
	claims, _ := tok.Claims.(jwt.MapClaims)
	role, _ := claims["role"].(string)
	session, _ := claims["sv"].(float64)
	var u struct {
		id, session  int64
		role, status string
		region       *string
	}
	err = b.stmts.QueryRowContext(r.Context(), "SELECT id, role, status, session_version, "+
		"region_code FROM users WHERE id = ?", id).
		Scan(&u.id, &u.role, &u.status, &u.session, &u.region)
	return id, err == nil && u.status == "active" && u.role == role && u.session == int64(session)
}

func (b *baselineServer) orders(w http.ResponseWriter, r *http.Request) {
	id, ok := b.caller(r)
	if !ok {
		fail(w, http.StatusUnauthorized)
		return
	}
	ctx := r.Context()
	var total int64
	if err := b.stmts.QueryRowContext(ctx, "SELECT count(*) FROM `orders` WHERE orders.enterprise_id = ?",
		id).Scan(&total); err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	rows, err := b.stmts.QueryContext(ctx, "SELECT orders.id, orders.status, orders.provider_id, "+
		"orders.provider_name, orders.enterprise_id, orders.subtotal_fen, orders.discount_fen, "+
		"orders.payable_fen, orders.created_at, orders.updated_at FROM `orders` "+
		"WHERE orders.enterprise_id = ? ORDER BY orders.id DESC LIMIT 20", id)
	if err != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	defer func() { _ = rows.Close() }()
	type order struct {
		ID           int64     `json:"id"`
		Status       string    `json:"status"`
		ProviderID   int64     `json:"provider_id"`
		ProviderName string    `json:"provider_name"`
		EnterpriseID int64     `json:"enterprise_id"`
		SubtotalFen  int64     `json:"subtotal_fen"`
		DiscountFen  int64     `json:"discount_fen"`
		PayableFen   int64     `json:"payable_fen"`
		CreatedAt    time.Time `json:"created_at"`
		UpdatedAt    time.Time `json:"updated_at"`
	}
	items := []order{}
	for rows.Next() {
		var o order
		if err := rows.Scan(&o.ID, &o.Status, &o.ProviderID, &o.ProviderName, &o.EnterpriseID,
			&o.SubtotalFen, &o.DiscountFen, &o.PayableFen, &o.CreatedAt, &o.UpdatedAt); err != nil {
			fail(w, http.StatusInternalServerError)
			return
		}
		items = append(items, o)
	}
	if rows.Err() != nil {
		fail(w, http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"items": items, "page": 1, "page_size": 20, "total": total})
}
