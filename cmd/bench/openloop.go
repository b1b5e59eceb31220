package main

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// openLoop sends requests at a fixed rate for d, whatever the server's
// pace, from at most c workers. Request k is due at start + k/rate; a free
// worker takes the next due request, waits for its time if it is ahead,
// and sends it. Latency runs from the due time, not from the send, so a
// server that falls behind shows its backlog in the percentiles instead
// of slowing the load down and hiding it.
//
// The run stops at the latest d after its last due time: requests still
// unanswered then are cancelled and, like those never sent, count as
// errors with the time they had waited.
func openLoop(base string, e endpoint, c int, rate float64, d time.Duration) *tally {
	n := int64(rate * d.Seconds())
	if n < 1 {
		return &tally{}
	}
	interval := d / time.Duration(n)
	start := time.Now()
	due := func(k int64) time.Time { return start.Add(time.Duration(k) * interval) }
	deadline := start.Add(2 * d)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	var next atomic.Int64
	var all tally
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			var lat []time.Duration
			bad := 0
			for i := 0; ctx.Err() == nil; i++ {
				var prepared any
				if e.prep != nil {
					prepared = e.prep(w, i)
				}
				k := next.Add(1) - 1
				if k >= n {
					break
				}
				took, ok := sendAt(ctx, due(k), e.req(base, w, i, prepared))
				lat = append(lat, took)
				if !ok {
					bad++
				}
			}
			all.add(lat, bad)
		})
	}
	wg.Wait()

	var unsent []time.Duration
	for k := min(next.Load(), n); k < n; k++ {
		unsent = append(unsent, deadline.Sub(due(k)))
	}
	all.add(unsent, len(unsent))
	return &all
}

// sendAt sends req at its due time, or at once if that has passed, and
// reports the time from due to answer and whether the answer was a success.
func sendAt(ctx context.Context, due time.Time, req *http.Request) (time.Duration, bool) {
	if wait := time.Until(due); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return time.Since(due), false
		}
	}
	code, _, err := do(req.WithContext(ctx))
	return time.Since(due), err == nil && success(code)
}
