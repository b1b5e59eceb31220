// Package s3store keeps uploaded file contents in S3-compatible object
// storage, so that every instance of Shangyun serves the same files.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"shangyun/internal/files"
)

// partSize is the part size of multipart uploads, S3's smallest. An upload
// of unknown length holds one part in memory; minio-go's default for that
// case is about 537 MiB per upload.
const partSize = 5 << 20

// setupTimeout bounds the bucket check and creation in New, which has no
// caller's context to follow.
const setupTimeout = 30 * time.Second

// keyPattern is the shape of the keys files.Receiver makes. Anything else
// is refused before it can reach the bucket as an odd object name.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Store is a files.Blobs in one bucket. Objects are named as files.Disk
// names its files under its folder, "ab/cd/abcd…" for key "abcd…", so that
// moving from the data folder to a bucket is a plain recursive copy of the
// folder's "files" directory.
type Store struct {
	client *minio.Client
	bucket string
}

var _ files.Blobs = (*Store)(nil)

// New connects to the S3-compatible service at endpoint (host or
// host:port, no scheme; see SplitEndpoint) with a static key pair, over
// TLS when secure is true, and creates bucket when it does not exist yet.
// It fails when the service does not answer or refuses the credentials.
func New(endpoint, bucket, accessKey, secretKey string, secure bool) (*Store, error) {
	return newStore(endpoint, bucket, accessKey, secretKey, secure, nil)
}

// newStore is New over the given HTTP transport (minio-go's default when
// nil), which tests need to trust their TLS server's certificate.
func newStore(endpoint, bucket, accessKey, secretKey string, secure bool,
	transport http.RoundTripper) (*Store, error) {
	client, err := minio.New(endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(accessKey, secretKey, ""),
		Secure:    secure,
		Transport: transport,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", endpoint, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	if err := ensureBucket(ctx, client, bucket); err != nil {
		return nil, err
	}
	return &Store{client: client, bucket: bucket}, nil
}

// ensureBucket creates bucket unless it exists. Instances starting together
// may race to create it; losing that race is success.
func ensureBucket(ctx context.Context, client *minio.Client, bucket string) error {
	exists, err := client.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("s3 bucket %s: %w", bucket, err)
	}
	if exists {
		return nil
	}

	err = client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{})
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code == minio.BucketAlreadyOwnedByYou {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create s3 bucket %s: %w", bucket, err)
	}
	return nil
}

// SplitEndpoint reads an endpoint setting such as SHANGYUN_S3_ENDPOINT:
// "https://host[:port]" or "http://host[:port]" name the scheme; a bare
// "host[:port]" means TLS. It returns the host:port for New and whether to
// use TLS.
func SplitEndpoint(raw string) (endpoint string, secure bool, err error) {
	if !strings.Contains(raw, "://") {
		if raw == "" || strings.ContainsAny(raw, "/?#") {
			return "", false, fmt.Errorf("s3 endpoint %q: want host[:port] or a URL", raw)
		}
		return raw, true, nil
	}

	u, err := url.Parse(raw)
	if err != nil {
		return "", false, fmt.Errorf("s3 endpoint: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.User != nil {
		return "", false, fmt.Errorf("s3 endpoint %q: want http(s)://host[:port]", raw)
	}
	return u.Host, u.Scheme == "https", nil
}

// object returns the object name of key, refusing keys that files.Receiver
// would never make with an error wrapping os.ErrNotExist, as files.Disk
// does.
func object(key string) (string, error) {
	if !keyPattern.MatchString(key) {
		return "", fmt.Errorf("storage key %q: %w", key, os.ErrNotExist)
	}
	return key[:2] + "/" + key[2:4] + "/" + key, nil
}

// Put implements files.Blobs. When r can tell its length (a file, a
// bytes.Reader) the object is sent in one request up to partSize, in parts
// above; otherwise it is streamed in parts of partSize. A failed upload
// leaves no object behind.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	name, err := object(key)
	if err != nil {
		return err
	}
	body, size, err := sized(r)
	if err != nil {
		return err
	}

	_, err = s.client.PutObject(ctx, s.bucket, name, body, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    partSize,
	})
	if err != nil {
		return fmt.Errorf("put s3 object %s: %w", name, err)
	}
	return nil
}

// sized returns what is left to read in r and its length, or -1 when r
// cannot tell. A reader that can both seek and read at offsets comes back
// as a section starting at its current offset: minio-go reads parts with
// ReadAt from offset 0, which would resend what the caller had consumed.
func sized(r io.Reader) (io.Reader, int64, error) {
	seeker, ok := r.(io.Seeker)
	if !ok {
		if l, ok := r.(interface{ Len() int }); ok {
			return r, int64(l.Len()), nil
		}
		return r, -1, nil
	}

	cur, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		// A pipe is an *os.File too, but cannot seek: stream it.
		return r, -1, nil
	}
	end, err := seeker.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, 0, fmt.Errorf("measure upload: %w", err)
	}
	if _, err := seeker.Seek(cur, io.SeekStart); err != nil {
		return nil, 0, fmt.Errorf("measure upload: %w", err)
	}
	if ra, ok := r.(io.ReaderAt); ok {
		return io.NewSectionReader(ra, cur, end-cur), end - cur, nil
	}
	return r, end - cur, nil
}

// Open implements files.Blobs. The object is requested before Open
// returns, so that a missing key is reported here, as an error wrapping
// os.ErrNotExist, rather than at the first read.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	name, err := object(key)
	if err != nil {
		return nil, err
	}

	obj, err := s.client.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("get s3 object %s: %w", name, err)
	}
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		if noSuchKey(err) {
			return nil, fmt.Errorf("s3 object %s: %w", name, os.ErrNotExist)
		}
		return nil, fmt.Errorf("get s3 object %s: %w", name, err)
	}
	return obj, nil
}

// Delete implements files.Blobs; a missing object is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := object(key)
	if err != nil {
		return err
	}

	err = s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	// S3 answers a delete of a missing object with success; some
	// compatible services answer NoSuchKey instead.
	if err != nil && !noSuchKey(err) {
		return fmt.Errorf("delete s3 object %s: %w", name, err)
	}
	return nil
}

func noSuchKey(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && resp.Code == minio.NoSuchKey
}
