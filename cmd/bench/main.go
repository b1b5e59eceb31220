// Command bench measures Shangyun under load against the limit of its
// database: it seeds a realistic volume into MySQL or the embedded SQLite,
// starts Shangyun as its own process and a minimal baseline server
// (net/http and database/sql, no framework, no ORM) serving the same reads
// with the same SQL and JSON, and drives both over loopback. Per endpoint
// it prints the closed-loop throughput of both and their ratio, then the
// latency percentiles and errors at a fixed request rate, and Shangyun's
// peak memory. make bench runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"shangyun/internal/database"
)

// options are the knobs of a run.
type options struct {
	driver       string
	dsn          string
	enterprises  int
	providers    int
	products     int
	specs        int
	orders       int
	concurrency  int
	duration     time.Duration
	openDuration time.Duration
	rate         float64
	skipSeed     bool
	appEnv       []string
	only         string
	serveBase    string
	rounds       int
}

func main() {
	var o options
	flag.StringVar(&o.driver, "driver", database.MySQL, "database: mysql or sqlite")
	flag.StringVar(&o.dsn, "dsn", "", "MySQL DSN of an empty database (default "+
		"SHANGYUN_BENCH_MYSQL_DSN), or with -driver sqlite the database file "+
		"(default a new file in a temporary folder, removed at the end)")
	flag.IntVar(&o.enterprises, "enterprises", 100_000, "enterprises to seed")
	flag.IntVar(&o.providers, "providers", 50, "providers to seed")
	flag.IntVar(&o.products, "products", 2_000, "products to seed")
	flag.IntVar(&o.specs, "specs", 5, "specs per product")
	flag.IntVar(&o.orders, "orders", 1_000_000, "orders to seed, with their lines and events")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent connections")
	flag.DurationVar(&o.duration, "d", 10*time.Second,
		"duration of each closed-loop run (one per endpoint and server)")
	flag.DurationVar(&o.openDuration, "open-d", 0,
		"duration of each open-loop run (default the same as -d)")
	flag.Float64Var(&o.rate, "rate", 0.5, "open-loop request rate, as a fraction of the "+
		"baseline's closed-loop req/s (Shangyun's own where the baseline lacks the endpoint)")
	flag.BoolVar(&o.skipSeed, "skip-seed", false, "reuse a database seeded before")
	flag.IntVar(&o.rounds, "rounds", 4, "rounds per server in each phase, alternating "+
		"the baseline and Shangyun so that both meet the same machine")
	flag.StringVar(&o.serveBase, "serve-baseline", "", "serve the baseline at this address "+
		"and nothing else: the bench runs itself so to measure the baseline in its own process")
	flag.StringVar(&o.only, "only", "", "measure only the endpoints whose name contains this")
	flag.Func("app-env", "KEY=VALUE for Shangyun's environment, after the bench's own "+
		"(repeatable), e.g. to measure a setting turned off", func(kv string) error {
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("want KEY=VALUE, got %q", kv)
		}
		o.appEnv = append(o.appEnv, kv)
		return nil
	})
	flag.Parse()

	if o.serveBase != "" {
		if err := serveBaseline(o); err != nil {
			fmt.Fprintln(os.Stderr, "bench baseline:", err)
			os.Exit(1)
		}
		return
	}
	if err := o.check(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// check fills the defaults that depend on other flags and rejects
// combinations that cannot run.
func (o *options) check() error {
	if o.openDuration == 0 {
		o.openDuration = o.duration
	}
	if o.rate <= 0 {
		return fmt.Errorf("-rate must be above 0, got %g", o.rate)
	}
	switch o.driver {
	case database.MySQL:
		if o.dsn == "" {
			o.dsn = os.Getenv("SHANGYUN_BENCH_MYSQL_DSN")
		}
		if o.dsn == "" {
			return fmt.Errorf("set -dsn or SHANGYUN_BENCH_MYSQL_DSN to an empty MySQL database")
		}
	case database.SQLite:
		if o.dsn == "" && o.skipSeed {
			return fmt.Errorf("-skip-seed needs -dsn: the file of a database seeded before")
		}
	default:
		return fmt.Errorf("-driver: want mysql or sqlite, got %q", o.driver)
	}
	return nil
}

func run(ctx context.Context, o options) error {
	if o.dsn == "" {
		dir, err := os.MkdirTemp("", "shangyun-bench-db-")
		if err != nil {
			return err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		o.dsn = filepath.Join(dir, "bench.db")
	}
	if o.driver == database.SQLite {
		fmt.Printf("SQLite database: %s\n", o.dsn)
	}

	start := time.Now()
	fix, err := prepare(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("seeded in %s: %d enterprises, %d providers, %d products × %d specs, %d orders\n",
		time.Since(start).Round(time.Second), o.enterprises, o.providers, o.products, o.specs, o.orders)

	app, err := startShangyun(ctx, o)
	if err != nil {
		return err
	}
	defer app.stop()
	base, err := startBaseline(ctx, o)
	if err != nil {
		return err
	}
	defer base.stop()
	if err := fix.signIn(app.url); err != nil {
		return err
	}

	results := measure(ctx, o, fix, app, base)
	printTables(o, results, app.peakRSS(), base.peakRSS())
	return nil
}
