// Package files is the one way uploads enter Shangyun and leave it again:
// size limits enforced while reading, the type decided from the content,
// image dimensions read from the header before anything decodes the
// pixels, display names cleaned, random storage keys, SHA-256 recorded,
// and downloads that never let a browser guess the type.
package files

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG header reader
	_ "image/png"  // registers the PNG header reader
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"shangyun/internal/problem"
)

// Rule is what one upload field accepts.
type Rule struct {
	Field    string
	Label    problem.Text
	Types    []string
	MaxBytes int64
	// Pixel limits, for images only; zero leaves a side unchecked.
	MinWidth, MinHeight, MaxWidth, MaxHeight int
}

// IsImage reports whether the rule checks pixel dimensions.
func (r Rule) IsImage() bool {
	return r.MinWidth > 0 || r.MinHeight > 0 || r.MaxWidth > 0 || r.MaxHeight > 0
}

// File is a stored upload.
type File struct {
	ID          int64
	Key         string
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	Width       int
	Height      int
	UploadedBy  int64
	CreatedAt   time.Time
}

// Blobs keeps file contents under keys.
type Blobs interface {
	// Put stores the content of r under key.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the content under key, or an error wrapping
	// os.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Receiver checks uploads against their rules and puts the accepted ones
// in its blobs. It stages each upload in a temporary folder first, so that
// nothing is stored before every check has passed.
type Receiver struct {
	blobs   Blobs
	tempDir string
	now     func() time.Time
}

// NewReceiver returns a Receiver staging uploads in tempDir.
func NewReceiver(blobs Blobs, tempDir string, now func() time.Time) *Receiver {
	if now == nil {
		now = time.Now
	}
	return &Receiver{blobs: blobs, tempDir: tempDir, now: now}
}

// Blobs returns where the receiver stores contents.
func (r *Receiver) Blobs() Blobs { return r.blobs }

// Receive reads one upload for rule. It answers payload_too_large past
// the size limit, unsupported_file_type for a type the rule does not
// allow, and validation_failed for pixel sizes out of bounds or an empty
// file. The returned File has no ID yet: the caller records it.
func (r *Receiver) Receive(ctx context.Context, rule Rule, name string, body io.Reader,
	uploader int64) (File, error) {
	if err := os.MkdirAll(r.tempDir, 0o700); err != nil {
		return File{}, fmt.Errorf("upload staging folder: %w", err)
	}
	tmp, err := os.CreateTemp(r.tempDir, "upload-*")
	if err != nil {
		return File{}, fmt.Errorf("stage upload: %w", err)
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
	}()

	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), io.LimitReader(body, rule.MaxBytes+1))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return File{}, tooLarge(rule)
	}
	if err != nil {
		return File{}, fmt.Errorf("read upload: %w", err)
	}
	if n > rule.MaxBytes {
		return File{}, tooLarge(rule)
	}
	if n == 0 {
		return File{}, problem.Validation(problem.Field{Field: rule.Field, Code: "empty",
			Message: problem.Text{ZH: "文件为空", EN: "the file is empty"}})
	}

	f := File{Name: CleanName(name), Size: n, SHA256: hex.EncodeToString(sum.Sum(nil)),
		UploadedBy: uploader, CreatedAt: r.now().UTC()}
	if f.ContentType, err = sniff(tmp, rule); err != nil {
		return File{}, err
	}
	if rule.IsImage() {
		if f.Width, f.Height, err = dimensions(tmp, rule); err != nil {
			return File{}, err
		}
	}

	if f.Key, err = newKey(); err != nil {
		return File{}, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return File{}, fmt.Errorf("rewind upload: %w", err)
	}
	if err := r.blobs.Put(ctx, f.Key, tmp); err != nil {
		return File{}, fmt.Errorf("store upload: %w", err)
	}
	return f, nil
}

// Discard removes the contents of files that will not be recorded after
// all, for instance when a later field of the same form failed.
func (r *Receiver) Discard(ctx context.Context, fs ...File) {
	for _, f := range fs {
		if f.Key != "" {
			_ = r.blobs.Delete(ctx, f.Key)
		}
	}
}

// sniff decides the type from the first bytes of the content, whatever the
// name or the client's Content-Type say.
func sniff(f *os.File, rule Rule) (string, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("rewind upload: %w", err)
	}
	mt, err := mimetype.DetectReader(f)
	if err != nil {
		return "", fmt.Errorf("detect upload type: %w", err)
	}
	for m := mt; m != nil; m = m.Parent() {
		base, _, _ := strings.Cut(m.String(), ";")
		if slices.Contains(rule.Types, base) {
			return base, nil
		}
	}
	return "", unsupported(rule, mt.String())
}

// dimensions reads the width and height from the image header only, so a
// small file claiming a huge canvas is refused before any decoding.
func dimensions(f *os.File, rule Rule) (int, int, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, fmt.Errorf("rewind upload: %w", err)
	}
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0, problem.Validation(problem.Field{Field: rule.Field, Code: "image",
			Message: problem.Text{ZH: "图片无法读取", EN: "the image cannot be read"}})
	}
	w, h := cfg.Width, cfg.Height
	if (rule.MaxWidth > 0 && w > rule.MaxWidth) || (rule.MaxHeight > 0 && h > rule.MaxHeight) ||
		w < rule.MinWidth || h < rule.MinHeight {
		size := strconv.Itoa(w) + "×" + strconv.Itoa(h)
		bounds := strconv.Itoa(rule.MinWidth) + "×" + strconv.Itoa(rule.MinHeight) + " – " +
			strconv.Itoa(rule.MaxWidth) + "×" + strconv.Itoa(rule.MaxHeight)
		return 0, 0, problem.Validation(problem.Field{Field: rule.Field, Code: "dimensions",
			Message: problem.Text{ZH: "图片尺寸 " + size + " 超出允许范围 " + bounds,
				EN: "image size " + size + " is outside " + bounds}})
	}
	return w, h, nil
}

func tooLarge(rule Rule) error {
	mb := strconv.FormatFloat(float64(rule.MaxBytes)/(1<<20), 'f', -1, 64)
	return &problem.Error{
		Code: problem.CodePayloadTooLarge,
		Detail: problem.Text{ZH: rule.Field + " 文件超过 " + mb + " MB",
			EN: rule.Field + " is over " + mb + " MB"},
		Extra: map[string]any{"field": rule.Field, "max_bytes": rule.MaxBytes},
	}
}

func unsupported(rule Rule, got string) error {
	allowed := strings.Join(rule.Types, ", ")
	return &problem.Error{
		Code: problem.CodeUnsupportedFileType,
		Detail: problem.Text{ZH: rule.Field + " 的文件类型 " + got + " 不被接受，允许：" + allowed,
			EN: rule.Field + ": type " + got + " is not accepted; allowed: " + allowed},
		Fields: []problem.Field{{Field: rule.Field, Code: "file_type",
			Message: problem.Text{ZH: "允许的类型：" + allowed, EN: "allowed types: " + allowed}}},
	}
}

func newKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("storage key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// CleanName turns a client's file name into display text: the last path
// element only, without control characters (CR and LF included), at most
// 255 bytes of valid UTF-8. It is never used as a path.
func CleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(strings.Trim(name, "."))
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		return "file"
	}
	return name
}
