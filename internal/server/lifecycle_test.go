package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"shangyun/internal/logging"
	"shangyun/internal/server"
	"shangyun/internal/testkit"
)

// lockedBuffer is a log sink that handlers may write to concurrently.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAccessLogKeepsSecretsOut(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	cfg := testkit.Config(t, "sqlite")
	app, err := server.New(context.Background(), cfg, logging.New(&logs, "debug"), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(app.Handler)
	defer ts.Close()

	body := `{"account_type":"enterprise","username":"logcheck1","password":"Secret2026pass",` +
		`"email":"log@example.com","phone":"13912345678","company_name":"日志测试公司",` +
		`"contact_name":"李","region_code":"410102"}`
	post(t, ts.URL+"/api/v1/auth/register", body, "")
	out := post(t, ts.URL+"/api/v1/auth/login",
		`{"login":"logcheck1","password":"Secret2026pass"}`, "")
	var s struct{ AccessToken, RefreshToken string }
	s.AccessToken, s.RefreshToken = out["access_token"].(string), out["refresh_token"].(string)
	get(t, ts.URL+"/api/v1/me?token="+s.AccessToken, s.AccessToken)
	post(t, ts.URL+"/api/v1/auth/login", `{"login":"logcheck1","password":"Wrong2026pass"}`, "")

	text := logs.String()
	for _, secret := range []string{"Secret2026pass", "Wrong2026pass", s.AccessToken, s.RefreshToken,
		"argon2id"} {
		if strings.Contains(text, secret) {
			t.Errorf("the log holds a secret (%.12s…):\n%s", secret, text)
		}
	}
	if !strings.Contains(text, `"route":"/api/v1/me"`) || !strings.Contains(text, `"user_id":`) {
		t.Errorf("the access log lacks the route or user:\n%s", text)
	}
}

func post(t *testing.T, url, body, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return send(t, req, token)
}

func get(t *testing.T, url, token string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	return send(t, req, token)
}

func send(t *testing.T, req *http.Request, token string) map[string]any {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &out)
	return out
}

// A request in flight when the signal comes still gets its answer, while
// new connections are refused.
func TestShutdownDrainsRequestsInFlight(t *testing.T) {
	t.Parallel()
	app, err := server.New(context.Background(), testkit.Config(t, "sqlite"), testkit.Logger(t),
		server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	app.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "done")
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- app.Serve(ctx, ln) }()

	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		answer <- string(b)
	}()
	<-entered
	cancel()

	// Wait until the listener is closed: then shutdown is under way.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		conn.Close()
	}
	close(release)

	if got := <-answer; got != "done" {
		t.Errorf("request in flight got %q", got)
	}
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}
