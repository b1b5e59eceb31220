package httpx

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Revalidated serves a public read with a strong ETag (a digest of the
// body) and lets clients and shared caches keep it for maxAge seconds.
// A request whose If-None-Match names the current tag gets 304 Not
// Modified without a body, so a client that already holds the answer
// neither downloads nor decodes it again. Only 200 answers are tagged;
// problems keep Cache-Control: no-store.
//
// The tag comes from the rendered body, so it is right whatever changed
// the answer; the cost is that the database is still read on every
// request that reaches the server.
func Revalidated(maxAge int) gin.HandlerFunc {
	cacheControl := "public, max-age=" + strconv.Itoa(maxAge)
	return func(c *gin.Context) {
		if c.Request.Method != http.MethodGet {
			c.Next()
			return
		}
		w := &bufferedWriter{ResponseWriter: c.Writer, status: http.StatusOK}
		c.Writer = w
		// After a panic the buffer is dropped and the recovery further out
		// answers on the real writer.
		defer func() { c.Writer = w.ResponseWriter }()
		c.Next()
		c.Writer = w.ResponseWriter

		h := c.Writer.Header()
		if w.status == http.StatusOK {
			sum := sha256.Sum256(w.buf.Bytes())
			tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
			h.Set("ETag", tag)
			h.Set("Cache-Control", cacheControl)
			if matches(c.GetHeader("If-None-Match"), tag) {
				h.Del("Content-Type")
				h.Del("Content-Length")
				c.Writer.WriteHeader(http.StatusNotModified)
				c.Writer.WriteHeaderNow()
				return
			}
		}
		c.Writer.WriteHeader(w.status)
		_, _ = c.Writer.Write(w.buf.Bytes())
	}
}

// matches applies the weak comparison RFC 9110 prescribes for
// If-None-Match: "*" or any listed tag equal to tag, W/ prefixes ignored.
func matches(header, tag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

// bufferedWriter holds a handler's answer until Revalidated has tagged it.
type bufferedWriter struct {
	gin.ResponseWriter
	buf    bytes.Buffer
	status int
}

func (w *bufferedWriter) WriteHeader(code int) { w.status = code }
func (w *bufferedWriter) WriteHeaderNow()      {}
func (w *bufferedWriter) Status() int          { return w.status }
func (w *bufferedWriter) Size() int            { return w.buf.Len() }
func (w *bufferedWriter) Written() bool        { return w.buf.Len() > 0 }

func (w *bufferedWriter) Write(b []byte) (int, error) { return w.buf.Write(b) }

func (w *bufferedWriter) WriteString(s string) (int, error) { return w.buf.WriteString(s) }
