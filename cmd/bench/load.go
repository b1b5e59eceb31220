package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const benchSecret = "bench-secret-of-at-least-thirty-two-chars"

// process is the Shangyun server under test, in its own process so that
// its memory can be read on its own.
type process struct {
	url string
	cmd *exec.Cmd
	dir string // holds the binary and the data folder
}

func startShangyun(ctx context.Context, o options) (*process, error) {
	dir, err := os.MkdirTemp("", "shangyun-bench-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "shangyun")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/shangyun")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build: %w\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	// The load signs in once, before runs that may outlast the default
	// 15-minute access token.
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "SHANGYUN_DB_DRIVER="+o.driver, "SHANGYUN_DB_DSN="+o.dsn,
		"SHANGYUN_DB_AUTO_MIGRATE=false", "SHANGYUN_HTTP_ADDR="+addr, "SHANGYUN_LOG_LEVEL=error",
		"SHANGYUN_DATA_DIR="+dir, "SHANGYUN_JWT_SECRET="+benchSecret,
		"SHANGYUN_DB_MAX_OPEN_CONNS="+strconv.Itoa(o.concurrency),
		"SHANGYUN_DB_MAX_IDLE_CONNS="+strconv.Itoa(o.concurrency),
		"SHANGYUN_AUTH_ADDRESS_PER_MINUTE=100000", "SHANGYUN_AUTH_ACCESS_TTL=24h")
	// Where a key comes twice the last value counts: -app-env overrides.
	cmd.Env = append(cmd.Env, o.appEnv...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{url: "http://" + addr, cmd: cmd, dir: dir}
	return p, p.ready()
}

// ready waits until the process answers /readyz, and stops it if it does
// not within a minute.
func (p *process) ready() error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return fmt.Errorf("%s did not become ready at %s", p.cmd.Path, p.url)
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	_ = p.cmd.Wait()
	if p.dir != "" {
		_ = os.RemoveAll(p.dir)
	}
}

// peakRSS reads the process's high-water mark of resident memory.
func (p *process) peakRSS() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return "n/a"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.0f MB", float64(kb)/1024)
		}
	}
	return "n/a"
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256,
	MaxConnsPerHost: 256}, Timeout: 30 * time.Second}

// success tells the answers that count as served: 2xx, and 304 to a
// conditional read.
func success(code int) bool { return code < 300 || code == http.StatusNotModified }

func do(req *http.Request) (int, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func jsonReq(method, url, token string, body any, key string) *http.Request {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return req
}

// signIn gets a token for every bench enterprise.
func (f *fixture) signIn(base string) error {
	for i := range f.users {
		var out struct {
			AccessToken string `json:"access_token"`
		}
		code, b, err := do(jsonReq("POST", base+"/api/v1/auth/login", "",
			map[string]string{"login": f.users[i].username, "password": benchPassword}, ""))
		if err != nil {
			return fmt.Errorf("sign in %s: %w", f.users[i].username, err)
		}
		if code != http.StatusOK {
			return fmt.Errorf("sign in %s: status %d: %s", f.users[i].username, code, b)
		}
		_ = json.Unmarshal(b, &out)
		f.users[i].token = out.AccessToken
	}
	return nil
}

// stats summarise one run.
type stats struct {
	rps           float64
	p50, p95, p99 time.Duration
	errors        int
	requests      int
}

// summarise turns the latencies of runs that lasted d in all into stats.
func (t *tally) summarise(d time.Duration) stats {
	lat := t.lat
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(p*float64(len(lat)-1))]
	}
	return stats{rps: float64(len(lat)) / d.Seconds(), p50: pct(.50), p95: pct(.95), p99: pct(.99),
		errors: t.errors, requests: len(lat)}
}

// endpoint is one measured request. prep, when set, runs before each
// request, untimed (for instance to put a line in the cart).
type endpoint struct {
	name string
	prep func(w, i int) any
	req  func(base string, w, i int, prepared any) *http.Request
	base bool // whether the baseline serves it too
}

// tally gathers the latencies and errors of a run's workers.
type tally struct {
	mu     sync.Mutex
	lat    []time.Duration
	errors int
}

// merge adds the figures of another run of the same server.
func (t *tally) merge(o *tally) { t.add(o.lat, o.errors) }

func (t *tally) add(lat []time.Duration, errors int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lat = append(t.lat, lat...)
	t.errors += errors
}

// closedLoop runs c workers for d, each sending its next request as soon
// as the last is answered.
func closedLoop(base string, e endpoint, c int, d time.Duration) *tally {
	var all tally
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			var lat []time.Duration
			bad := 0
			for i := 0; time.Now().Before(end); i++ {
				var prepared any
				if e.prep != nil {
					prepared = e.prep(w, i)
				}
				req := e.req(base, w, i, prepared)
				t0 := time.Now()
				code, _, err := do(req)
				lat = append(lat, time.Since(t0))
				if err != nil || !success(code) {
					bad++
				}
			}
			all.add(lat, bad)
		})
	}
	wg.Wait()
	return &all
}

// etags reads the ETag of every product's detail, for the conditional
// reads of a client that holds them already.
func etags(base string, products []int64) map[int64]string {
	out := make(map[int64]string, len(products))
	for _, id := range products {
		resp, err := client.Get(fmt.Sprintf("%s/api/v1/products/%d", base, id))
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		out[id] = resp.Header.Get("ETag")
	}
	return out
}

// phases are one server's figures on one endpoint.
type phases struct {
	closed stats // at full speed
	open   stats // at the result's rate
}

// result is one endpoint's figures.
type result struct {
	name     string
	rate     float64 // requests per second of the open-loop runs
	shangyun phases
	baseline *phases // nil where the baseline lacks the endpoint
}

func measure(ctx context.Context, o options, f *fixture, app, base *process) []result {
	user := func(w int) benchUser { return f.users[w%len(f.users)] }
	tags := etags(app.url, f.products)
	eps := []endpoint{
		{name: "product list (category, 20)", base: true, req: func(b string, w, i int, _ any) *http.Request {
			return jsonReq("GET", fmt.Sprintf("%s/api/v1/products?category_id=%d&page_size=20", b,
				f.leaves[(w+i)%len(f.leaves)]), "", nil, "")
		}},
		{name: "product detail", base: true, req: func(b string, w, i int, _ any) *http.Request {
			return jsonReq("GET", fmt.Sprintf("%s/api/v1/products/%d", b,
				f.products[(w*31+i)%len(f.products)]), "", nil, "")
		}},
		{name: "product detail, revalidated (304)", req: func(b string, w, i int, _ any) *http.Request {
			id := f.products[(w*31+i)%len(f.products)]
			req := jsonReq("GET", fmt.Sprintf("%s/api/v1/products/%d", b, id), "", nil, "")
			req.Header.Set("If-None-Match", tags[id])
			return req
		}},
		{name: "category detail", req: func(b string, w, i int, _ any) *http.Request {
			return jsonReq("GET", fmt.Sprintf("%s/api/v1/categories/%d", b,
				f.leaves[(w+i)%len(f.leaves)]), "", nil, "")
		}},
		{name: "order list (enterprise, 20)", base: true, req: func(b string, w, i int, _ any) *http.Request {
			return jsonReq("GET", b+"/api/v1/orders?page_size=20", user(w).token, nil, "")
		}},
		{name: "order detail", req: func(b string, w, i int, _ any) *http.Request {
			u := user(w)
			return jsonReq("GET", fmt.Sprintf("%s/api/v1/orders/%d", b, u.orders[i%len(u.orders)]),
				u.token, nil, "")
		}},
	}
	// A cart holds at most 100 lines, and the quote leaves its line in the
	// cart: cycling through 50 specs a worker adds to earlier lines once
	// the cart has 50, so that long runs do not fill it.
	cartLine := func(w, i int) any {
		u := user(w)
		var out struct {
			ID int64 `json:"id"`
		}
		_, b, _ := do(jsonReq("POST", app.url+"/api/v1/cart/items", u.token,
			map[string]any{"spec_id": f.specs[(w*17+i%50)%len(f.specs)], "quantity": 1}, ""))
		_ = json.Unmarshal(b, &out)
		return out.ID
	}
	eps = append(eps,
		endpoint{name: "quote", prep: cartLine, req: func(b string, w, i int, line any) *http.Request {
			return jsonReq("POST", b+"/api/v1/orders/quote", user(w).token,
				map[string]any{"cart_item_ids": []any{line}}, "")
		}},
		endpoint{name: "order placement (discount)", prep: cartLine,
			req: func(b string, w, i int, line any) *http.Request {
				return jsonReq("POST", b+"/api/v1/orders", user(w).token,
					map[string]any{"cart_item_ids": []any{line}},
					fmt.Sprintf("bench-%d-%d-%d", time.Now().UnixNano(), w, i))
			}},
	)

	var out []result
	for _, e := range eps {
		if ctx.Err() != nil {
			break
		}
		if o.only != "" && !strings.Contains(e.name, o.only) {
			continue
		}
		out = append(out, measureOne(o, e, app.url, base.url))
		fmt.Printf("measured %s\n", e.name)
	}
	return out
}

// measureOne runs the closed loop on the baseline, where it serves e, and
// on Shangyun, then the open loop on both at one rate: a fraction of the
// baseline's throughput, or of Shangyun's where the baseline lacks e.
func measureOne(o options, e endpoint, app, base string) result {
	r := result{name: e.name}
	appRuns, baseRuns := phase(o.rounds, e.base, o.duration, app, base,
		func(url string, d time.Duration) *tally { return closedLoop(url, e, o.concurrency, d) })
	r.shangyun.closed = appRuns.summarise(o.duration)
	r.rate = o.rate * r.shangyun.closed.rps
	if e.base {
		r.baseline = &phases{closed: baseRuns.summarise(o.duration)}
		r.rate = o.rate * r.baseline.closed.rps
	}

	appRuns, baseRuns = phase(o.rounds, e.base, o.openDuration, app, base,
		func(url string, d time.Duration) *tally { return openLoop(url, e, o.concurrency, r.rate, d) })
	r.shangyun.open = appRuns.summarise(o.openDuration)
	if e.base {
		r.baseline.open = baseRuns.summarise(o.openDuration)
	}
	return r
}

// phase runs d of run on each server, in the rounds of alternate, and
// returns the figures of Shangyun's runs and of the baseline's.
func phase(rounds int, both bool, d time.Duration, app, base string,
	run func(url string, d time.Duration) *tally) (appRuns, baseRuns *tally) {
	appRuns, baseRuns = &tally{}, &tally{}
	alternate(rounds, both, d, func(onBase bool, d time.Duration) {
		if onBase {
			baseRuns.merge(run(base, d))
		} else {
			appRuns.merge(run(app, d))
		}
	})
	return appRuns, baseRuns
}

// alternate splits a phase of d per server into rounds, in the order
// baseline, Shangyun, Shangyun, baseline, baseline, ..., so that whatever
// else the shared machine does meanwhile (the database flushing pages,
// another process waking) falls on both servers alike and the ratio stays
// a comparison. Without a baseline, Shangyun runs d in one go.
func alternate(rounds int, both bool, d time.Duration, run func(onBase bool, d time.Duration)) {
	if !both || rounds < 1 {
		run(false, d)
		return
	}
	slice := d / time.Duration(rounds)
	for i := range rounds {
		run(i%2 == 0, slice)
		run(i%2 == 1, slice)
	}
}
