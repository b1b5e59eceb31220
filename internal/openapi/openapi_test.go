package openapi_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"shangyun/internal/openapi"
	"shangyun/internal/testkit"
)

// The committed documents must be what the annotations generate: run
// `make openapi` after changing a handler or its types.
func TestCommittedDocumentsAreCurrent(t *testing.T) {
	t.Parallel()
	root := testkit.Root(t)
	files, err := openapi.Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Errorf("%s: %v (run make openapi)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run make openapi", name)
		}
	}
}
