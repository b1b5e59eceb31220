package httpx_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"shangyun/internal/httpx"
	"shangyun/internal/logging"
)

type echoBody struct {
	Name  string `json:"name" validate:"required,max=5"`
	Count int    `json:"count" validate:"gte=0"`
}

// newEngine mounts the middleware chain the server uses on a few routes
// made for these tests, logging to buf.
func newEngine(buf *bytes.Buffer, origins []string, limit int64) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	log := logging.New(buf, "info")
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(httpx.RequestID(), httpx.AccessLog(log), httpx.Recovery(log),
		httpx.SecurityHeaders(), httpx.CORS(origins), httpx.BodyLimit(limit))
	r.NoRoute(httpx.NoRoute)
	r.NoMethod(httpx.NoMethod)
	v := httpx.NewValidator()
	r.POST("/echo", func(c *gin.Context) {
		var b echoBody
		if httpx.BindJSON(c, v, &b) {
			c.JSON(http.StatusOK, b)
		}
	})
	r.GET("/panic", func(*gin.Context) { panic("boom") })
	return r
}

func serve(r *gin.Engine, req *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func problemOf(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, body %s", ct, w.Body)
	}
	var p map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	r := newEngine(&bytes.Buffer{}, nil, 1024)
	for _, c := range []struct{ sent, want string }{
		{"abc-123", "abc-123"},
		{"", ""},
		{"bad id\r\nX-Evil: 1", ""},
		{strings.Repeat("a", 65), ""},
	} {
		req := httptest.NewRequest("GET", "/nowhere", nil)
		req.Header.Set("X-Request-ID", c.sent)
		w := serve(r, req)
		got := w.Header().Get("X-Request-ID")
		if c.want != "" && got != c.want || c.want == "" && (len(got) != 32 || got == c.sent) {
			t.Errorf("sent %q: got %q", c.sent, got)
		}
		if p := problemOf(t, w); p["request_id"] != got {
			t.Errorf("problem request_id %v, header %s", p["request_id"], got)
		}
	}
}

func TestBinding(t *testing.T) {
	t.Parallel()
	r := newEngine(&bytes.Buffer{}, nil, 64)
	cases := []struct {
		body, contentType, lang string
		status                  int
		code, field             string
	}{
		{`{"name":"ok","count":1}`, "application/json", "", 200, "", ""},
		{`{"name":`, "application/json", "", 400, "malformed_body", ""},
		{`[1,2]`, "application/json", "", 400, "malformed_body", ""},
		{``, "application/json", "", 400, "malformed_body", ""},
		{`{"name":"a"} {"name":"b"}`, "application/json", "", 400, "malformed_body", ""},
		{`{"name":5}`, "application/json", "", 400, "malformed_body", "name"},
		{`name=a`, "application/x-www-form-urlencoded", "", 400, "malformed_body", ""},
		{`{"count":1}`, "application/json", "", 422, "validation_failed", "name"},
		{`{"name":"toolong"}`, "application/json", "en", 422, "validation_failed", "name"},
		{`{"name":"` + strings.Repeat("x", 100) + `"}`, "application/json", "", 413,
			"payload_too_large", ""},
	}
	for _, c := range cases {
		req := httptest.NewRequest("POST", "/echo", strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.contentType)
		req.Header.Set("Accept-Language", c.lang)
		w := serve(r, req)
		if w.Code != c.status {
			t.Errorf("%s: status %d, want %d (%s)", c.body, w.Code, c.status, w.Body)
			continue
		}
		if c.code == "" {
			continue
		}
		p := problemOf(t, w)
		if p["code"] != c.code {
			t.Errorf("%s: code %v, want %s", c.body, p["code"], c.code)
		}
		if c.field != "" {
			errs, _ := p["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != c.field {
				t.Errorf("%s: errors %v, want field %s", c.body, p["errors"], c.field)
			}
		}
	}
}

func TestValidationMessagesFollowTheLanguage(t *testing.T) {
	t.Parallel()
	r := newEngine(&bytes.Buffer{}, nil, 1024)
	messages := map[string]string{}
	for _, lang := range []string{"", "en-US,en;q=0.9", "zh-CN"} {
		req := httptest.NewRequest("POST", "/echo", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		p := problemOf(t, serve(r, req))
		messages[lang] = p["errors"].([]any)[0].(map[string]any)["message"].(string) +
			" | " + p["title"].(string)
	}
	if !strings.Contains(messages["en-US,en;q=0.9"], "required") ||
		!strings.Contains(messages[""], "必填") || messages["zh-CN"] != messages[""] {
		t.Errorf("messages by language: %q", messages)
	}
}

func TestPanicBecomesProblemAndLogLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := newEngine(&buf, nil, 1024)
	w := serve(r, httptest.NewRequest("GET", "/panic", nil))
	if w.Code != 500 || problemOf(t, w)["code"] != "internal" {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
	if !strings.Contains(buf.String(), `"panic":"boom"`) || !strings.Contains(buf.String(), "goroutine") {
		t.Errorf("log lacks the panic and its stack:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), `"status":500`) {
		t.Errorf("access log lacks the 500:\n%s", buf.String())
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	r := newEngine(&bytes.Buffer{}, []string{"https://app.example"}, 1024)
	pre := func(origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("OPTIONS", "/echo", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		return serve(r, req)
	}
	w := pre("https://app.example")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
		t.Errorf("allowed origin: %d %v", w.Code, w.Header())
	}
	w = pre("https://evil.example")
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("other origin got CORS headers: %v", w.Header())
	}
}

func TestSecurityHeadersAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	r := newEngine(&bytes.Buffer{}, nil, 1024)
	w := serve(r, httptest.NewRequest("DELETE", "/echo", nil))
	if w.Code != 405 || problemOf(t, w)["code"] != "method_not_allowed" {
		t.Errorf("status %d body %s", w.Code, w.Body)
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

func TestBodyLimitWithoutLength(t *testing.T) {
	t.Parallel()
	r := newEngine(&bytes.Buffer{}, nil, 64)
	body := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("x", 200)))
	req := httptest.NewRequest("POST", "/echo", body)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	w := serve(r, req)
	if w.Code != 413 || problemOf(t, w)["code"] != "payload_too_large" {
		t.Errorf("status %d body %s", w.Code, w.Body)
	}
}

// A panic under Revalidated still becomes a problem on the real writer,
// logged with its status, and is not tagged.
func TestRevalidatedPanicBecomesProblem(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := newEngine(&buf, nil, 1024)
	r.GET("/tagged-panic", httpx.Revalidated(60), func(*gin.Context) { panic("boom") })
	w := serve(r, httptest.NewRequest("GET", "/tagged-panic", nil))
	if w.Code != 500 || problemOf(t, w)["code"] != "internal" || w.Header().Get("ETag") != "" {
		t.Fatalf("status %d, ETag %q, body %s", w.Code, w.Header().Get("ETag"), w.Body)
	}
	if !strings.Contains(buf.String(), `"status":500`) {
		t.Errorf("access log lacks the 500:\n%s", buf.String())
	}
}
