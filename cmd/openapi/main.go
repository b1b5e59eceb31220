// Command openapi regenerates docs/ and api/openapi.yaml from the handlers'
// annotations. Run it from the module root (make openapi does).
package main

import (
	"fmt"
	"os"

	"shangyun/internal/openapi"
)

func main() {
	files, err := openapi.Generate(".")
	if err == nil {
		err = files.Write(".")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}
