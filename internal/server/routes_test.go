package server_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"shangyun/internal/testkit"
)

// undocumented are the routes that serve the document itself.
var undocumented = map[string]bool{"GET /swagger/*any": true}

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// openapiPath turns a Gin path template into the document's syntax.
func openapiPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

func TestEveryRouteIsDocumented(t *testing.T) {
	t.Parallel()
	s := testkit.NewServer(t, "sqlite")
	doc, err := openapi3.NewLoader().LoadFromFile(
		filepath.Join(testkit.Root(t), "api", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	registered := map[string]bool{}
	for _, r := range s.App.Routes() {
		key := r.Method + " " + r.Path
		registered[key] = true
		if undocumented[key] {
			continue
		}
		item := doc.Paths.Find(openapiPath(r.Path))
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s is registered but missing from api/openapi.yaml", key)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			gin := strings.NewReplacer("{", ":", "}", "").Replace(path)
			if !registered[method+" "+gin] {
				t.Errorf("%s %s is documented but not registered", method, path)
			}
		}
	}
}
