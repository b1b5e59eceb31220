package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The commands run against a data folder of the test's own, configured
// through the environment as an operator would.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SHANGYUN_DATA_DIR", dir)
	t.Setenv("SHANGYUN_LOG_LEVEL", "error")
	ctx := context.Background()
	run := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"-config", "../../configs/config.yaml"}, args...),
			strings.NewReader(stdin), &out)
		return out.String(), err
	}

	if _, err := run("", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	out, err := run("", "migrate", "status")
	if err != nil || !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status: %v\n%s", err, out)
	}
	out, err = run("Guanli2026first\n", "admin", "create", "--username", "first_admin",
		"--email", "ops@example.gov.cn", "--password-stdin")
	if err != nil || !strings.Contains(out, "created admin first_admin") {
		t.Fatalf("admin create: %v %s", err, out)
	}
	if _, err := run("", "admin", "create", "--username", "weak_admin", "--email",
		"w@example.gov.cn", "--password", "password1"); err == nil {
		t.Error("a weak password must be refused")
	}
	if _, err := run("", "launch"); err == nil {
		t.Error("an unknown command must be an error")
	}

	t.Setenv("SHANGYUN_HTTP_ADDR", "nonsense")
	if _, err := run("", "migrate", "up"); err == nil || !strings.Contains(err.Error(), "http.addr") {
		t.Errorf("a bad setting must stop the command naming it: %v", err)
	}
}

func TestHealthcheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer ok.Close()
	t.Setenv("SHANGYUN_DATA_DIR", t.TempDir())
	t.Setenv("SHANGYUN_HTTP_ADDR", strings.TrimPrefix(ok.URL, "http://"))
	if err := run(context.Background(), []string{"healthcheck"}, nil, &bytes.Buffer{}); err != nil {
		t.Errorf("healthy server: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	t.Setenv("SHANGYUN_HTTP_ADDR", addr)
	if err := run(context.Background(), []string{"healthcheck"}, nil, &bytes.Buffer{}); err == nil {
		t.Error("no server must fail the health check")
	}
}
