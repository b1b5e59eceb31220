package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"shangyun/internal/logging"
	"shangyun/internal/problem"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestID takes the client's X-Request-ID when it is well-formed, makes
// one otherwise, echoes it, and puts it in the request's context.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Header("X-Request-ID", id)
		ctx := logging.WithRequestID(c.Request.Context(), id)
		c.Request = c.Request.WithContext(logging.WithClientIP(ctx, c.ClientIP()))
		c.Next()
	}
}

// AccessLog writes one line per request: route template, status, latency
// and ids. Paths are logged without their query, and no header or body is
// logged, so that tokens and passwords never reach the log. The level
// follows the status: 5xx error, 4xx warn, else info.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()

		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case status >= 400:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request.Method),
			slog.String("route", routeOf(c)),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
			slog.Int("bytes", c.Writer.Size()),
			slog.String("client_ip", c.ClientIP()),
		}
		if p, ok := principalOf(c); ok {
			attrs = append(attrs, slog.Int64("user_id", p.UserID))
		}
		log.LogAttrs(c.Request.Context(), level, "http request", attrs...)
	}
}

// routeOf returns the route template, or a fixed word for unmatched paths
// so that metrics and logs do not grow with every path a scanner tries.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// Recovery turns a panic into a 500 problem and a log line with the stack.
func Recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				log.ErrorContext(c.Request.Context(), "panic", "route", routeOf(c),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					writeProblem(c, &problem.Error{Code: problem.CodeInternal,
						Detail: problem.Text{ZH: "服务器内部错误。", EN: "Internal server error."}})
				}
				c.Abort()
			}
		}()
		c.Next()
	}
}

// CORS lets the browsers of the listed origins call the API. Other origins
// get no CORS headers, so their browsers refuse the answers.
func CORS(origins []string) gin.HandlerFunc {
	allowHeaders := "Authorization, Content-Type, Accept-Language, Idempotency-Key, " +
		"X-Request-ID, If-None-Match"
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		allowed := origin != "" && (slices.Contains(origins, origin) || slices.Contains(origins, "*"))
		if origin != "" {
			c.Header("Vary", "Origin")
		}
		if allowed {
			c.Header("Access-Control-Allow-Origin", origin)
			c.Header("Access-Control-Expose-Headers", "X-Request-ID, Retry-After, ETag, Content-Disposition")
		}
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			if allowed {
				c.Header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
				c.Header("Access-Control-Allow-Headers", allowHeaders)
				c.Header("Access-Control-Max-Age", "600")
			}
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}

// SecurityHeaders sets the headers a JSON API should send. The API page
// under /swagger/ runs scripts and so gets no content security policy.
func SecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(c.Request.URL.Path, "/swagger/") {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
			h.Set("Cache-Control", "no-store")
		}
		if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		c.Next()
	}
}

// BodyLimits caps request bodies: a default for every route, and larger
// limits for the upload routes that declare them. Limits are set while
// routes are registered and only read afterwards.
type BodyLimits struct {
	def    int64
	routes map[string]int64
}

// NewBodyLimits returns limits of def bytes for every route.
func NewBodyLimits(def int64) *BodyLimits {
	return &BodyLimits{def: def, routes: map[string]int64{}}
}

// Set gives the route method path (a template, as registered) its own limit.
func (b *BodyLimits) Set(method, path string, n int64) { b.routes[method+" "+path] = n }

// Middleware caps each body at its route's limit: a declared length over
// it is refused at once, and a body that grows past it fails while read.
func (b *BodyLimits) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit, ok := b.routes[c.Request.Method+" "+c.FullPath()]
		if !ok {
			limit = b.def
		}
		if c.Request.ContentLength > limit {
			Fail(c, TooLarge(limit))
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Next()
	}
}

// BodyLimit caps every body at limit bytes.
func BodyLimit(limit int64) gin.HandlerFunc { return NewBodyLimits(limit).Middleware() }
