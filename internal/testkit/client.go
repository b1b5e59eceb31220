package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Client calls a test server and checks each exchange against
// api/openapi.yaml: the request (unless sent raw) and always the response,
// whose status must be documented for its operation.
type Client struct {
	t     *testing.T
	base  string
	token string
	lang  string
}

// Client returns an anonymous client of s.
func (s *Server) Client(t *testing.T) *Client {
	return &Client{t: t, base: s.URL}
}

// As returns a copy of c sending token as its bearer token.
func (c *Client) As(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// Lang returns a copy of c sending Accept-Language: lang.
func (c *Client) Lang(lang string) *Client {
	cp := *c
	cp.lang = lang
	return &cp
}

// Response is a received answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Problem is a decoded problem body.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Code      string         `json:"code"`
	RequestID string         `json:"request_id"`
	Errors    []ProblemField `json:"errors"`
}

// ProblemField is one entry of a problem's errors.
type ProblemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Decode reads the body as JSON into v.
func (r *Response) Decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes the body as a problem.
func (r *Response) Problem(t *testing.T) Problem {
	t.Helper()
	var p Problem
	r.Decode(t, &p)
	return p
}

// Option changes one request.
type Option func(*http.Request, *bool)

// Header sets a request header.
func Header(k, v string) Option {
	return func(r *http.Request, _ *bool) { r.Header.Set(k, v) }
}

// Raw sends the request without checking it against the document, for
// requests that are wrong on purpose.
func Raw() Option {
	return func(_ *http.Request, raw *bool) { *raw = true }
}

// Do sends a request. body is marshalled as JSON, a Form as
// multipart/form-data; []byte and string bodies are sent as they are and
// not checked against the document.
func (c *Client) Do(method, path string, body any, opts ...Option) *Response {
	c.t.Helper()
	var payload []byte
	raw := false
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case Form:
		payload, contentType = b.encode(c.t)
	case []byte:
		payload, raw = b, true
	case string:
		payload, raw = []byte(b), true
	default:
		var err error
		if payload, err = json.Marshal(b); err != nil {
			c.t.Fatalf("marshal body: %v", err)
		}
	}

	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(payload))
	if err != nil {
		c.t.Fatalf("new request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for _, o := range opts {
		o(req, &raw)
	}

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read answer: %v", err)
	}
	r := &Response{Status: resp.StatusCode, Header: resp.Header, Body: got}
	req.Body = io.NopCloser(bytes.NewReader(payload))
	checkExchange(c.t, req, r, raw)
	return r
}

// Expect fails the test unless the answer has status want.
func (r *Response) Expect(t *testing.T, want int) *Response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body: %s", r.Status, want, r.Body)
	}
	return r
}

// ExpectProblem fails the test unless the answer is a problem with status
// and code.
func (r *Response) ExpectProblem(t *testing.T, status int, code string) Problem {
	t.Helper()
	r.Expect(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	p := r.Problem(t)
	if p.Code != code || p.Status != status || p.RequestID == "" || p.Title == "" {
		t.Fatalf("problem %+v, want status %d code %s with title and request id", p, status, code)
	}
	return p
}

var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
)

// Root returns the module's root folder.
func Root(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working folder")
		}
		dir = parent
	}
}

func router(t *testing.T) routers.Router {
	t.Helper()
	docOnce.Do(func() {
		var doc *openapi3.T
		doc, docErr = openapi3.NewLoader().LoadFromFile(filepath.Join(Root(t), "api", "openapi.yaml"))
		if docErr == nil {
			docRouter, docErr = legacy.NewRouter(doc)
		}
	})
	if docErr != nil {
		t.Fatalf("api/openapi.yaml: %v", docErr)
	}
	return docRouter
}

// checkExchange fails the test when the request or the answer breaks the
// document. A path the document does not know must have been answered
// with a 404 or 405 problem.
func checkExchange(t *testing.T, req *http.Request, r *Response, raw bool) {
	t.Helper()
	if strings.HasPrefix(req.URL.Path, "/swagger/") {
		return // the page that shows the document is not in it
	}
	route, params, err := router(t).FindRoute(req)
	if err != nil {
		if r.Status != http.StatusNotFound && r.Status != http.StatusMethodNotAllowed {
			t.Fatalf("%s %s is not in api/openapi.yaml but answered %d", req.Method,
				req.URL.Path, r.Status)
		}
		if r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s: unmatched route answered without a problem body", req.Method,
				req.URL.Path)
		}
		return
	}

	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params,
		Route: route, Options: opts}
	ctx := context.Background()
	if !raw {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Fatalf("request %s %s breaks api/openapi.yaml: %v", req.Method, req.URL.Path, err)
		}
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.Status, Header: r.Header,
		Body: io.NopCloser(bytes.NewReader(r.Body)), Options: opts,
	})
	if err != nil {
		t.Fatalf("answer %d to %s %s breaks api/openapi.yaml: %v\nbody: %s", r.Status,
			req.Method, req.URL.Path, err, r.Body)
	}
}
