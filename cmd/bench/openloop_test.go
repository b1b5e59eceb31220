package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// A server that stalls for 300 ms answers only a few requests late in a
// closed loop, but in the open loop every request due during the stall
// waits for its end, and the percentiles must show it.
func TestOpenLoopCountsTheStallFromTheDueTime(t *testing.T) {
	t.Parallel()
	const stall = 300 * time.Millisecond
	var once sync.Once
	var stallFrom time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		once.Do(func() { stallFrom = time.Now().Add(200 * time.Millisecond) })
		if now := time.Now(); now.After(stallFrom) && now.Before(stallFrom.Add(stall)) {
			<-time.After(time.Until(stallFrom.Add(stall)))
		}
	}))
	defer srv.Close()
	e := endpoint{name: "stall", req: func(base string, _, _ int, _ any) *http.Request {
		return jsonReq("GET", base, "", nil, "")
	}}

	got := openLoop(srv.URL, e, 4, 200, time.Second).summarise(time.Second)

	if got.requests != 200 || got.errors != 0 {
		t.Errorf("requests, errors = %d, %d, want 200, 0", got.requests, got.errors)
	}
	if got.p50 > 100*time.Millisecond {
		t.Errorf("p50 = %s, want the requests outside the stall fast", got.p50)
	}
	// 60 requests are due during the stall and wait from 0 to 300 ms for its
	// end: the 95th percentile, the 11th longest wait, is about 250 ms.
	if got.p95 < 200*time.Millisecond {
		t.Errorf("p95 = %s, want the wait behind the stall counted", got.p95)
	}
}

func TestAlternateSharesTheMachineAlike(t *testing.T) {
	t.Parallel()
	var order []string
	var total [2]time.Duration
	alternate(4, true, 8*time.Second, func(onBase bool, d time.Duration) {
		name, i := "S", 0
		if onBase {
			name, i = "B", 1
		}
		order = append(order, name)
		total[i] += d
	})
	if got := strings.Join(order, ""); got != "BSSBBSSB" {
		t.Errorf("order %s, want BSSBBSSB", got)
	}
	if total[0] != 8*time.Second || total[1] != 8*time.Second {
		t.Errorf("time per server %v, want 8s each", total)
	}

	order = nil
	alternate(4, false, 8*time.Second, func(onBase bool, d time.Duration) {
		order = append(order, fmt.Sprintf("%v %v", onBase, d))
	})
	if got := strings.Join(order, ","); got != "false 8s" {
		t.Errorf("without a baseline: %s, want one run of Shangyun", got)
	}
}
