// Command bench measures Shangyun under load against the limit of its
// database: it seeds a realistic volume, starts Shangyun as its own
// process and a minimal baseline server (net/http and database/sql, no
// framework, no ORM) serving the same reads with the same SQL and JSON,
// drives both over loopback, and prints per endpoint the throughput,
// latency percentiles, errors, Shangyun's peak memory and the ratio
// Shangyun / baseline. make bench runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
)

// options are the knobs of a run.
type options struct {
	dsn         string
	enterprises int
	providers   int
	products    int
	specs       int
	orders      int
	concurrency int
	duration    time.Duration
	skipSeed    bool
}

func main() {
	var o options
	flag.StringVar(&o.dsn, "dsn", os.Getenv("SHANGYUN_BENCH_MYSQL_DSN"),
		"MySQL DSN of an empty database to seed (SHANGYUN_BENCH_MYSQL_DSN)")
	flag.IntVar(&o.enterprises, "enterprises", 100_000, "enterprises to seed")
	flag.IntVar(&o.providers, "providers", 50, "providers to seed")
	flag.IntVar(&o.products, "products", 2_000, "products to seed")
	flag.IntVar(&o.specs, "specs", 5, "specs per product")
	flag.IntVar(&o.orders, "orders", 1_000_000, "orders to seed, with their lines and events")
	flag.IntVar(&o.concurrency, "c", 32, "concurrent connections")
	flag.DurationVar(&o.duration, "d", 10*time.Second, "duration of each endpoint's run")
	flag.BoolVar(&o.skipSeed, "skip-seed", false, "reuse a database seeded before")
	flag.Parse()
	if o.dsn == "" {
		fmt.Fprintln(os.Stderr, "bench: set -dsn or SHANGYUN_BENCH_MYSQL_DSN to an empty MySQL database")
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
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
	base, err := startBaseline(o.dsn)
	if err != nil {
		return err
	}
	defer base.stop()
	if err := fix.signIn(app.url); err != nil {
		return err
	}

	results := measure(ctx, o, fix, app, base)
	printTable(results, app.peakRSS())
	return nil
}
