package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/config"
)

func environ(vars ...string) func() []string {
	return func() []string { return vars }
}

func TestDefaultsWithoutFile(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("", false, environ())
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.DB.DSN = "data/shangyun.db"
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

// The shipped file must describe exactly the defaults, so that a newcomer
// reading it learns what runs.
func TestShippedFileHoldsTheDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load("../../configs/config.yaml", true, environ())
	if err != nil {
		t.Fatal(err)
	}
	want := config.Default()
	want.DB.DSN = "data/shangyun.db"
	want.HTTP.CORSOrigins = []string{}
	want.HTTP.TrustedProxies = []string{}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("configs/config.yaml differs from the defaults (-want +got):\n%s", diff)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	writeFile(t, file, "http:\n  addr: 0.0.0.0:9000\ndb:\n  driver: sqlite\n")
	secret := filepath.Join(dir, "secret")
	writeFile(t, secret, "from-a-file-0123456789abcdefghijklmnop\n")

	cfg, err := config.Load(file, true, environ(
		"SHANGYUN_HTTP_ADDR=127.0.0.1:9100",
		"SHANGYUN_DB_DRIVER=mysql",
		"SHANGYUN_DB_DSN=u:p@tcp(db:3306)/shangyun",
		"SHANGYUN_JWT_SECRET_FILE="+secret,
		"SHANGYUN_CORS_ORIGINS=https://a.example, https://b.example",
		"SHANGYUN_AUTH_ACCESS_TTL=5m",
		"SHANGYUN_DB_MAX_OPEN_CONNS=32",
		"SHANGYUN_DB_MAX_IDLE_CONNS=32",
		"SHANGYUN_UNRELATED=1",
	))
	if err != nil {
		t.Fatal(err)
	}
	got := []any{cfg.HTTP.Addr, cfg.DB.Driver, cfg.DB.DSN, cfg.Auth.JWTSecret,
		cfg.HTTP.CORSOrigins, cfg.Auth.AccessTTL, cfg.DB.MaxOpenConns, cfg.DB.MaxIdleConns}
	want := []any{"127.0.0.1:9100", "mysql", "u:p@tcp(db:3306)/shangyun",
		"from-a-file-0123456789abcdefghijklmnop",
		[]string{"https://a.example", "https://b.example"}, 5 * time.Minute, 32, 32}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if m := cfg.Masked(); m["db_dsn"] != "u:***@tcp(db:3306)/shangyun" || m["jwt_secret"] != "***" {
		t.Errorf("secrets not masked: %v", m)
	}
}

func TestBadValuesAreNamed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		env  string
		want string
	}{
		{"SHANGYUN_HTTP_ADDR=8080", "http.addr"},
		{"SHANGYUN_DB_DRIVER=postgres", "db.driver"},
		{"SHANGYUN_TIMEZONE=Mars/Base", "timezone"},
		{"SHANGYUN_JWT_SECRET=short", "auth.jwt_secret"},
		{"SHANGYUN_LOG_LEVEL=loud", "log.level"},
		{"SHANGYUN_AUTH_ACCESS_TTL=-1m", "auth.access_ttl"},
		{"SHANGYUN_AUTH_ACCESS_TTL=soon", "access_ttl"},
		{"SHANGYUN_DB_MAX_IDLE_CONNS=-1", "db.max_idle_conns"},
		{"SHANGYUN_JWT_SECRET_FILE=/does/not/exist", "SHANGYUN_JWT_SECRET_FILE"},
	}
	for _, c := range cases {
		_, err := config.Load("", false, environ(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %s", c.env, err, c.want)
		}
	}

	if _, err := config.Load("/does/not/exist.yaml", true, environ()); err == nil {
		t.Error("a missing file given explicitly must be an error")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.yaml"), "http: [unclosed\n")
	if _, err := config.Load(filepath.Join(dir, "bad.yaml"), true, environ()); err == nil {
		t.Error("a malformed file must be an error")
	}
	if _, err := config.Load("", false, environ("SHANGYUN_DB_DRIVER=mysql")); err == nil ||
		!strings.Contains(err.Error(), "db.dsn") {
		t.Errorf("mysql without a DSN: %v", err)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}
