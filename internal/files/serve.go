package files

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Serve writes a stored file as a download: the type recorded at upload,
// never sniffed by the browser, and always as an attachment with its
// display name encoded as RFC 6266 asks (an ASCII fallback and the UTF-8
// name).
func Serve(w http.ResponseWriter, f File, content io.Reader) error {
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", Disposition(f.Name))
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.WriteHeader(http.StatusOK)
	_, err := io.Copy(w, content)
	return err
}

// Disposition returns the Content-Disposition value of an attachment.
func Disposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType("attachment", map[string]string{"filename": fallback})
	if fallback != name {
		// FormatMediaType writes the RFC 5987 form for non-ASCII values.
		v += "; " + strings.TrimPrefix(
			mime.FormatMediaType("attachment", map[string]string{"filename": name}),
			"attachment; ")
	}
	return v
}
