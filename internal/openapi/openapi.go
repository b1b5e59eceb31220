// Package openapi generates Shangyun's API documents from the handlers'
// annotations: the Swagger 2.0 files under docs/ that the server serves,
// and api/openapi.yaml, the OpenAPI 3 document for integrators.
package openapi

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/swaggo/swag"
	"github.com/swaggo/swag/gen"
	"sigs.k8s.io/yaml"
)

// Files are the generated documents by their path under the module root.
type Files map[string][]byte

// Generate parses the annotations of the module at root and returns every
// generated document.
func Generate(root string) (Files, error) {
	tmp, err := os.MkdirTemp("", "shangyun-openapi-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	err = gen.New().Build(&gen.Config{
		Debugger:           log.New(io.Discard, "", 0),
		SearchDir:          root,
		Excludes:           filepath.Join(root, "docs") + "," + filepath.Join(root, "api"),
		MainAPIFile:        "internal/server/openapi.go",
		PropNamingStrategy: swag.SnakeCase,
		OutputDir:          tmp,
		OutputTypes:        []string{"go", "json", "yaml"},
		ParseInternal:      true,
		ParseDepth:         100,
		Strict:             true,
		PackageName:        "docs",
		LeftTemplateDelim:  "{{",
		RightTemplateDelim: "}}",
		CollectionFormat:   "csv",
	})
	if err != nil {
		return nil, fmt.Errorf("swag: %w", err)
	}

	files := Files{}
	for _, name := range []string{"docs.go", "swagger.json", "swagger.yaml"} {
		b, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			return nil, err
		}
		files["docs/"+name] = b
	}
	v3, err := ToV3(files["docs/swagger.json"])
	if err != nil {
		return nil, err
	}
	files["api/openapi.yaml"] = v3
	return files, nil
}

// Write stores files under root.
func (f Files) Write(root string) error {
	for name, b := range f {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ToV3 converts the Swagger 2.0 document to OpenAPI 3 as YAML, and mends
// what the conversion cannot know: the Bearer scheme is HTTP bearer, and
// problem responses have the application/problem+json media type. Every
// operation also documents the 500 and 503 problems any request may meet.
func ToV3(swaggerJSON []byte) ([]byte, error) {
	var doc2 openapi2.T
	if err := json.Unmarshal(swaggerJSON, &doc2); err != nil {
		return nil, fmt.Errorf("read swagger: %w", err)
	}
	doc3, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert to openapi 3: %w", err)
	}

	doc3.Components.SecuritySchemes["Bearer"] = &openapi3.SecuritySchemeRef{
		Value: openapi3.NewJWTSecurityScheme().WithDescription(
			"Access token from /api/v1/auth/login."),
	}
	closeSchemas(doc3.Components.Schemas)
	problem := openapi3.NewSchemaRef("#/components/schemas/Problem",
		doc3.Components.Schemas["Problem"].Value)
	for _, item := range doc3.Paths.Map() {
		for _, op := range item.Operations() {
			mendResponses(op, problem)
		}
	}
	if err := doc3.Validate(openapi3.NewLoader().Context); err != nil {
		return nil, fmt.Errorf("openapi 3 document: %w", err)
	}

	b, err := json.Marshal(doc3)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(b)
}

// closeSchemas forbids undocumented members in every object schema but
// the problem body, whose members RFC 9457 lets grow: a field the server
// sends must be in the document.
func closeSchemas(schemas openapi3.Schemas) {
	no := false
	for name, ref := range schemas {
		v := ref.Value
		if name == "Problem" || v == nil || !v.Type.Is(openapi3.TypeObject) ||
			v.AdditionalProperties.Has != nil || v.AdditionalProperties.Schema != nil {
			continue
		}
		v.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	}
}

func mendResponses(op *openapi3.Operation, problem *openapi3.SchemaRef) {
	common := map[string]string{
		"500": "internal: an unexpected failure",
		"503": "unavailable: the database or another dependency is unreachable",
	}
	codes := make([]string, 0, len(common))
	for code := range common {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		if op.Responses.Value(code) == nil {
			desc := common[code]
			op.Responses.Set(code, &openapi3.ResponseRef{Value: openapi3.NewResponse().
				WithDescription(desc).
				WithContent(openapi3.NewContentWithJSONSchemaRef(problem))})
		}
	}
	// Every failure answers a problem body, whatever the route's success
	// media type is. A download documented as octet-stream answers the
	// type its file was stored with, which may be any.
	for code, r := range op.Responses.Map() {
		if r.Value != nil && strings.HasPrefix(code, "2") && r.Value.Content != nil {
			if mt := r.Value.Content.Get("application/octet-stream"); mt != nil {
				r.Value.Content = openapi3.Content{"*/*": mt}
			}
			// A route answering JSON or a file, such as a report, documents
			// its JSON schema; its other media types are the file's bytes.
			if r.Value.Content["application/json"] != nil {
				for media := range r.Value.Content {
					if media != "application/json" {
						r.Value.Content[media] = openapi3.NewMediaType().WithSchema(
							openapi3.NewStringSchema().WithFormat("binary"))
					}
				}
			}
		}
		if r.Value != nil && (strings.HasPrefix(code, "4") || strings.HasPrefix(code, "5")) {
			r.Value.Content = openapi3.Content{
				"application/problem+json": openapi3.NewMediaType().WithSchemaRef(problem),
			}
		}
	}
}
