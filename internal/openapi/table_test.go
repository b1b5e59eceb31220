package openapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"shangyun/internal/orders"
	"shangyun/internal/testkit"
)

// The order transition table is written out for people in the README and
// in the API document; both must show the table the code enforces.
func TestTransitionTableIsShownAsEnforced(t *testing.T) {
	t.Parallel()
	root := testkit.Root(t)
	want := orders.TableMarkdown()

	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), want) {
		t.Errorf("README.md does not show the transition table as enforced:\n%s", want)
	}

	raw, err := os.ReadFile(filepath.Join(root, "docs", "swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Info struct {
			Description string `json:"description"`
		} `json:"info"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(doc.Info.Description+"\n", want) {
		t.Errorf("the API description does not show the transition table as enforced (edit "+
			"internal/server/openapi.go, then make openapi):\n%s", want)
	}
}
