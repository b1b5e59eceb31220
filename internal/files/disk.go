package files

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// Disk keeps contents in a folder of the local file system, two levels
// deep by key prefix so that no folder grows too large.
type Disk struct{ dir string }

// NewDisk returns a Disk under dir.
func NewDisk(dir string) *Disk { return &Disk{dir: dir} }

var keyPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func (d *Disk) path(key string) (string, error) {
	if !keyPattern.MatchString(key) {
		return "", fmt.Errorf("storage key %q: %w", key, os.ErrNotExist)
	}
	return filepath.Join(d.dir, key[:2], key[2:4], key), nil
}

// Put implements Blobs. The content is written to a temporary name first
// and renamed, so that a reader never sees half a file.
func (d *Disk) Put(_ context.Context, key string, r io.Reader) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("file folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".part-*")
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := io.Copy(tmp, r); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("place file: %w", err)
	}
	return nil
}

// Open implements Blobs.
func (d *Disk) Open(_ context.Context, key string) (io.ReadCloser, error) {
	path, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open file: %w", err)
	}
	return f, nil
}

// Delete implements Blobs; a missing file is not an error.
func (d *Disk) Delete(_ context.Context, key string) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("delete file: %w", err)
	}
	return nil
}
