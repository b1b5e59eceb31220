package s3store_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"shangyun/internal/files"
	"shangyun/internal/files/s3store"
)

const bucket = "shangyun-files"

// fakeS3 is an in-process S3 service that counts the parts of multipart
// uploads, so that tests can tell which way an upload went.
type fakeS3 struct {
	endpoint  string
	secure    bool
	transport http.RoundTripper
	parts     atomic.Int64
}

// newFake starts a fake served over TLS, as production reaches S3. Over
// plain HTTP minio-go signs bodies in the aws-chunked encoding, which
// gofakes3 decodes in single uploads but stores raw in multipart parts.
func newFake(t *testing.T) *fakeS3 { return startFake(t, true) }

func startFake(t *testing.T, secure bool) *fakeS3 {
	t.Helper()
	f := &fakeS3{secure: secure}
	s3 := gofakes3.New(s3mem.New()).Server()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
			f.parts.Add(1)
		}
		s3.ServeHTTP(w, r)
	})

	var srv *httptest.Server
	if secure {
		srv = httptest.NewTLSServer(handler)
	} else {
		srv = httptest.NewServer(handler)
	}
	t.Cleanup(srv.Close)
	f.transport = srv.Client().Transport
	f.endpoint = srv.Listener.Addr().String()
	return f
}

func (f *fakeS3) store(t *testing.T) *s3store.Store {
	t.Helper()
	s, err := s3store.NewOver(f.endpoint, bucket, "access", "secret", f.secure, f.transport)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// key returns a key of the shape files.Receiver makes.
func key(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// streamOnly hides every method of a reader but Read, as a network body
// would, so that its length is unknown.
type streamOnly struct{ io.Reader }

func read(t *testing.T, s *s3store.Store, key string) []byte {
	t.Helper()
	rc, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutOpenRoundTrip(t *testing.T) {
	t.Parallel()
	small, big := randomBytes(1000), randomBytes(6_000_000)

	// A staged upload read partly already: only the rest is the content.
	staged := filepath.Join(t.TempDir(), "staged")
	if err := os.WriteFile(staged, append([]byte("consumed"), big...), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name      string
		body      func(t *testing.T) io.Reader
		want      []byte
		wantParts int64
	}{
		{"empty", func(*testing.T) io.Reader { return bytes.NewReader(nil) }, []byte{}, 0},
		{"small, length known", func(*testing.T) io.Reader { return bytes.NewReader(small) },
			small, 0},
		{"small, length unknown", func(*testing.T) io.Reader {
			return streamOnly{bytes.NewReader(small)}
		}, small, 1},
		{"6 MB, length known", func(*testing.T) io.Reader { return bytes.NewReader(big) },
			big, 2},
		{"6 MB, length unknown", func(*testing.T) io.Reader {
			return streamOnly{bytes.NewReader(big)}
		}, big, 2},
		{"6 MB buffer", func(*testing.T) io.Reader { return bytes.NewBuffer(big) }, big, 2},
		{"6 MB file past its first bytes", func(t *testing.T) io.Reader {
			f, err := os.Open(staged)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = f.Close() })
			if _, err := f.Seek(int64(len("consumed")), io.SeekStart); err != nil {
				t.Fatal(err)
			}
			return f
		}, big, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			s, k := fake.store(t), key(t)

			if err := s.Put(t.Context(), k, tc.body(t)); err != nil {
				t.Fatal(err)
			}
			if got := read(t, s, k); !bytes.Equal(got, tc.want) {
				t.Errorf("read back %d bytes (sha256 %x), want %d (sha256 %x)",
					len(got), sha256.Sum256(got), len(tc.want), sha256.Sum256(tc.want))
			}
			if got := fake.parts.Load(); got != tc.wantParts {
				t.Errorf("uploaded in %d parts, want %d", got, tc.wantParts)
			}
		})
	}
}

func TestOpenMissingKeyIsNotExist(t *testing.T) {
	t.Parallel()
	s := newFake(t).store(t)

	for _, k := range []string{key(t), "../../etc/passwd", ""} {
		rc, err := s.Open(t.Context(), k)
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open(%q) error = %v, want one wrapping os.ErrNotExist", k, err)
		}
		if rc != nil {
			_ = rc.Close()
			t.Errorf("Open(%q) returned content", k)
		}
	}
}

func TestPutRefusesKeysReceiverNeverMakes(t *testing.T) {
	t.Parallel()
	s := newFake(t).store(t)

	err := s.Put(t.Context(), "a/../b", strings.NewReader("x"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Put error = %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestDeleteThenOpenIsNotExist(t *testing.T) {
	t.Parallel()
	s, k := newFake(t).store(t), key(t)
	ctx := t.Context()

	if err := s.Put(ctx, k, strings.NewReader("content")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(ctx, k); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open after Delete error = %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestDeleteMissingKeyIsNoError(t *testing.T) {
	t.Parallel()
	s := newFake(t).store(t)

	if err := s.Delete(t.Context(), key(t)); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}
}

// Objects sit where files.Disk would put the files under its folder.
func TestObjectsFollowTheDiskLayout(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	s, k := fake.store(t), key(t)
	if err := s.Put(t.Context(), k, strings.NewReader("content")); err != nil {
		t.Fatal(err)
	}

	var got []string
	for obj := range inspector(t, fake).ListObjects(t.Context(), bucket,
		minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		got = append(got, obj.Key)
	}
	want := []string{k[:2] + "/" + k[2:4] + "/" + k}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("object names (-want +got):\n%s", diff)
	}
}

// inspector is a client of the fake service of the test's own, to look at
// the bucket without going through the Store.
func inspector(t *testing.T, fake *fakeS3) *minio.Client {
	t.Helper()
	c, err := minio.New(fake.endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4("access", "secret", ""),
		Secure: fake.secure, Transport: fake.transport,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Through New itself, over plain HTTP as a local MinIO is often reached.
func TestNewCreatesTheBucketOnFirstUse(t *testing.T) {
	t.Parallel()
	fake := startFake(t, false)
	c := inspector(t, fake)
	open := func() *s3store.Store {
		s, err := s3store.New(fake.endpoint, bucket, "access", "secret", false)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	if ok, err := c.BucketExists(t.Context(), bucket); err != nil || ok {
		t.Fatalf("bucket before New: exists %v, error %v; want none", ok, err)
	}
	open()
	if ok, err := c.BucketExists(t.Context(), bucket); err != nil || !ok {
		t.Fatalf("bucket after New: exists %v, error %v; want it", ok, err)
	}

	// A second instance starting on the same bucket finds it and goes on.
	s, k := open(), key(t)
	data := randomBytes(100_000)
	if err := s.Put(t.Context(), k, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, k); !bytes.Equal(got, data) {
		t.Errorf("read back %d bytes that differ from the %d put", len(got), len(data))
	}
}

func TestNewFails(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	silent := ln.Addr().String()
	_ = ln.Close()
	fake := startFake(t, false)

	for _, tc := range []struct{ name, endpoint, bucket string }{
		{"nothing answers", silent, bucket},
		{"bucket name S3 refuses", fake.endpoint, "no"},
	} {
		if _, err := s3store.New(tc.endpoint, tc.bucket, "access", "secret", false); err == nil {
			t.Errorf("New when %s: no error", tc.name)
		}
	}
}

// pngImage returns a real PNG of w×h pixels.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: uint8(x), G: 90, B: 200, A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The upload path of the API, run on S3: Receiver checks a PNG and stores
// it, and the stored bytes are the ones sent.
func TestReceiverStoresUploadsInS3(t *testing.T) {
	t.Parallel()
	s := newFake(t).store(t)
	img := pngImage(t, 320, 200)
	rule := files.Rule{Field: "file", Types: []string{"image/png"}, MaxBytes: 1 << 20,
		MinWidth: 1, MinHeight: 1}

	f, err := files.NewReceiver(s, t.TempDir(), nil).
		Receive(t.Context(), rule, "logo.png", bytes.NewReader(img), 7)
	if err != nil {
		t.Fatal(err)
	}

	sum := sha256.Sum256(img)
	want := files.File{Key: f.Key, Name: "logo.png", ContentType: "image/png",
		Size: int64(len(img)), SHA256: hex.EncodeToString(sum[:]), Width: 320, Height: 200,
		UploadedBy: 7, CreatedAt: f.CreatedAt}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("received file (-want +got):\n%s", diff)
	}
	if got := read(t, s, f.Key); !bytes.Equal(got, img) {
		t.Errorf("stored %d bytes differ from the %d uploaded", len(got), len(img))
	}
}

func TestSplitEndpoint(t *testing.T) {
	t.Parallel()
	type result struct {
		Endpoint string
		Secure   bool
		Err      bool
	}
	for _, tc := range []struct {
		in   string
		want result
	}{
		{"s3.example.com", result{"s3.example.com", true, false}},
		{"minio:9000", result{"minio:9000", true, false}},
		{"https://s3.example.com", result{"s3.example.com", true, false}},
		{"http://127.0.0.1:9000", result{"127.0.0.1:9000", false, false}},
		{"http://127.0.0.1:9000/", result{"127.0.0.1:9000", false, false}},
		{"http://127.0.0.1:9000/bucket", result{Err: true}},
		{"ftp://host", result{Err: true}},
		{"https://", result{Err: true}},
		{"host/path", result{Err: true}},
		{"", result{Err: true}},
	} {
		endpoint, secure, err := s3store.SplitEndpoint(tc.in)
		got := result{endpoint, secure, err != nil}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("SplitEndpoint(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}
