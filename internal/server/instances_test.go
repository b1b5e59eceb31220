package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"shangyun/internal/config"
	"shangyun/internal/server"
	"shangyun/internal/testkit"
)

// instance is one `shangyun serve` process.
type instance struct {
	url string
	cmd *exec.Cmd
}

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// buildBinary compiles the shangyun command once for the test.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shangyun")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/shangyun")
	cmd.Dir = testkit.Root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// waitReady polls /readyz until the instance answers or the deadline
// passes: a process start has no event to wait on.
func waitReady(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not become ready", url)
}

// TestSeveralInstances runs two server processes on loopback that share
// MariaDB, Redis, an S3-compatible store and a mail server, and shows that
// nothing depends on which one a request reaches.
func TestSeveralInstances(t *testing.T) {
	if os.Getenv(testkit.MySQLEnv) == "" || os.Getenv("SHANGYUN_TEST_REDIS_ADDR") == "" {
		t.Skip("the several-instances test needs " + testkit.MySQLEnv +
			" and SHANGYUN_TEST_REDIS_ADDR")
	}
	bin := buildBinary(t)
	db := testkit.NewDBConfig(t, "mysql")
	smtp := testkit.NewSMTPServer(t)
	s3 := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	defer s3.Close()

	base := []string{
		"SHANGYUN_DB_DRIVER=mysql", "SHANGYUN_DB_DSN=" + db.DSN,
		"SHANGYUN_REDIS_ADDR=" + os.Getenv("SHANGYUN_TEST_REDIS_ADDR"),
		"SHANGYUN_REDIS_PREFIX=" + fmt.Sprintf("test-%d:", time.Now().UnixNano()),
		"SHANGYUN_JWT_KEYS=new:" + strings.Repeat("n", 40) + ",old:" + strings.Repeat("o", 40),
		"SHANGYUN_SMTP_ADDR=" + smtp.Addr(), "SHANGYUN_MAIL_POLL_INTERVAL=100ms",
		"SHANGYUN_S3_ENDPOINT=" + s3.URL, "SHANGYUN_S3_BUCKET=shangyun",
		"SHANGYUN_S3_ACCESS_KEY=test", "SHANGYUN_S3_SECRET_KEY=testtesttest",
		"SHANGYUN_LOG_LEVEL=error",
	}
	run := func(dataDir string, args ...string) *exec.Cmd {
		cmd := exec.Command(bin, append([]string{"-config", filepath.Join(testkit.Root(t),
			"configs", "config.yaml")}, args...)...)
		cmd.Env = append(os.Environ(), append(base, "SHANGYUN_DATA_DIR="+dataDir)...)
		return cmd
	}
	if out, err := run(t.TempDir(), "seed", "demo").CombinedOutput(); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}

	var inst []instance
	for range 2 {
		addr := freeAddr(t)
		cmd := run(t.TempDir(), "serve")
		cmd.Env = append(cmd.Env, "SHANGYUN_HTTP_ADDR="+addr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			_ = cmd.Wait()
		})
		inst = append(inst, instance{url: "http://" + addr, cmd: cmd})
	}
	for _, in := range inst {
		waitReady(t, in.url)
	}
	a, b := inst[0].url, inst[1].url

	t.Run("a token from one is accepted by the other", func(t *testing.T) {
		tok := login(t, a, "demo_enterprise", "Qiye2026yun", http.StatusOK)
		if code := call(t, b, "GET", "/api/v1/me", tok, nil, nil); code != http.StatusOK {
			t.Fatalf("me on the other instance: %d", code)
		}
	})
	t.Run("a lockout earned on one holds on the other", func(t *testing.T) {
		for range 5 {
			login(t, a, "demo_pending", "Wrong2026pass", 0)
		}
		login(t, b, "demo_pending", "Qiye2026dai", http.StatusTooManyRequests)
	})
	t.Run("a file uploaded through one downloads through the other", func(t *testing.T) {
		testFileAcrossInstances(t, a, b)
	})
	t.Run("checkouts spread over both never over-spend", func(t *testing.T) {
		testCheckoutsAcrossInstances(t, a, b, db)
	})
	t.Run("each outbox message is sent once", func(t *testing.T) {
		testOutboxAcrossInstances(t, db, smtp)
	})
}

// call sends a JSON request and decodes a JSON answer into out.
func call(t *testing.T, base, method, path, token string, body, out any) int {
	t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key, ok := body.(keyed); ok {
		req.Header.Set("Idempotency-Key", key.key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// keyed is a body sent with an Idempotency-Key.
type keyed struct {
	key  string
	body any
}

func (k keyed) MarshalJSON() ([]byte, error) { return json.Marshal(k.body) }

func login(t *testing.T, base, user, password string, want int) string {
	t.Helper()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	code := call(t, base, "POST", "/api/v1/auth/login",
		"", map[string]string{"login": user, "password": password}, &out)
	if want != 0 && code != want {
		t.Fatalf("login %s: %d, want %d", user, code, want)
	}
	return out.AccessToken
}

// openApp opens the shared database in this process, to check the money.
func openApp(t *testing.T, db config.DB) *server.App {
	t.Helper()
	cfg := testkit.Config(t, "sqlite")
	cfg.DB = db
	cfg.DB.AutoMigrate = false
	app, err := server.New(context.Background(), cfg, testkit.Logger(t), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.Close() })
	return app
}

func testCheckoutsAcrossInstances(t *testing.T, a, b string, db config.DB) {
	tok := login(t, a, "demo_enterprise", "Qiye2026yun", http.StatusOK)
	var products struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	call(t, a, "GET", "/api/v1/products?page_size=100", "", nil, &products)
	var lines []int64
	for _, p := range products.Items {
		var detail struct {
			Specs []struct {
				ID int64 `json:"id"`
			} `json:"specs"`
		}
		call(t, a, "GET", fmt.Sprintf("/api/v1/products/%d", p.ID), "", nil, &detail)
		for _, sp := range detail.Specs {
			var line struct {
				ID int64 `json:"id"`
			}
			call(t, b, "POST", "/api/v1/cart/items", tok, map[string]any{"spec_id": sp.ID, "quantity": 3}, &line)
			lines = append(lines, line.ID)
		}
	}

	var wg sync.WaitGroup
	codes := make([]int, len(lines))
	for i, id := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			target := []string{a, b}[i%2]
			codes[i] = call(t, target, "POST", "/api/v1/orders", tok,
				keyed{key: fmt.Sprintf("spread-%d", id), body: map[string]any{"cart_item_ids": []int64{id}}}, nil)
		}()
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusCreated {
			t.Errorf("checkout %d answered %d", i, code)
		}
	}

	app := openApp(t, db)
	if err := app.Benefits.Verify(context.Background()); err != nil {
		t.Fatal(err)
	}
	var over int64
	app.DB.Raw("SELECT COUNT(*) FROM benefits WHERE reserved_fen + used_fen > quota_fen").Scan(&over)
	if over != 0 {
		t.Fatalf("%d benefits are over-spent", over)
	}
}

func testFileAcrossInstances(t *testing.T, a, b string) {
	tok := login(t, a, "demo_provider", "Fuwu2026yun", http.StatusOK)
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	call(t, a, "GET", "/api/v1/provider/products", tok, nil, &list)
	var detail struct {
		Attachments []struct {
			URL string `json:"url"`
		} `json:"attachments"`
	}
	call(t, a, "GET", fmt.Sprintf("/api/v1/products/%d", list.Items[0].ID), "", nil, &detail)
	for _, base := range []string{a, b} {
		resp, err := http.Get(base + detail.Attachments[0].URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("attachment through %s: %d %s", base, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

func testOutboxAcrossInstances(t *testing.T, db config.DB, smtp *testkit.SMTPServer) {
	app := openApp(t, db)
	deadline := time.Now().Add(60 * time.Second)
	var pending, total int64
	for time.Now().Before(deadline) {
		app.DB.Raw("SELECT COUNT(*) FROM outbox_messages WHERE status <> 'sent'").Scan(&pending)
		if pending == 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	app.DB.Raw("SELECT COUNT(*) FROM outbox_messages").Scan(&total)
	if pending != 0 || total == 0 {
		t.Fatalf("%d of %d messages still unsent", pending, total)
	}
	if got := len(smtp.Messages()); int64(got) != total {
		t.Fatalf("the mail server received %d messages for %d in the outbox", got, total)
	}
}
