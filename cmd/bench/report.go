package main

import (
	"fmt"
	"time"
)

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// printTables prints the results as two Markdown tables: Shangyun's
// closed-loop throughput against the baseline's with its open-loop
// latency, then the baseline's open-loop latency at the same rates.
func printTables(o options, rs []result, rss, baseRSS string) {
	fmt.Printf("\nClosed loop: %d connections for %s per endpoint and server; req/s is the "+
		"maximum throughput.\nOpen loop: a fixed rate of %.0f %% of the baseline's closed-loop "+
		"req/s (of Shangyun's where the baseline lacks the endpoint), the same for both servers, "+
		"for %s, from at most %d connections; latency runs from each request's due time.\n"+
		"Errors: closed loop / open loop.\n", o.concurrency, o.duration, o.rate*100,
		o.openDuration, o.concurrency)

	fmt.Println()
	fmt.Println("| endpoint | req/s | baseline req/s | ratio | open-loop req/s | p50 ms | p95 ms | " +
		"p99 ms | errors |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		s := r.shangyun
		base, ratio := "—", "—"
		if r.baseline != nil && r.baseline.closed.rps > 0 {
			base = fmt.Sprintf("%.0f", r.baseline.closed.rps)
			ratio = fmt.Sprintf("%.2f", s.closed.rps/r.baseline.closed.rps)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %.0f | %s | %s | %s | %d / %d |\n", r.name,
			s.closed.rps, base, ratio, r.rate, ms(s.open.p50), ms(s.open.p95), ms(s.open.p99),
			s.closed.errors, s.open.errors)
	}

	fmt.Println()
	fmt.Println("Baseline at the same open-loop rates:")
	fmt.Println()
	fmt.Println("| endpoint | open-loop req/s | p50 ms | p95 ms | p99 ms | errors |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		if b := r.baseline; b != nil {
			fmt.Printf("| %s | %.0f | %s | %s | %s | %d / %d |\n", r.name, r.rate, ms(b.open.p50),
				ms(b.open.p95), ms(b.open.p99), b.closed.errors, b.open.errors)
		}
	}
	fmt.Printf("\nShangyun peak RSS: %s (the baseline's: %s)\n", rss, baseRSS)
}
