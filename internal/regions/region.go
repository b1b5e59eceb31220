// Package regions owns the tree of administrative divisions — province,
// prefecture-level city, county — that every enterprise, reviewer and
// policy is placed in.
package regions

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strings"
)

// Levels of the tree.
const (
	LevelProvince = "province"
	LevelCity     = "city"
	LevelCounty   = "county"
)

// Region is one division, named by its six-digit code.
type Region struct {
	Code       string
	ParentCode string
	Level      string
	Name       string
}

// Store keeps the regions.
type Store interface {
	// All returns every region ordered by code.
	All(ctx context.Context) ([]Region, error)
	// Upsert inserts the regions, updating the name, level and parent of
	// those that exist. Parents come before their children in rs.
	Upsert(ctx context.Context, rs []Region) error
}

//go:embed data/henan.tsv
var henanTSV []byte

// Seed returns the regions shipped with Shangyun, parents first.
func Seed() ([]Region, error) {
	return parseTSV(henanTSV)
}

func parseTSV(data []byte) ([]Region, error) {
	var out []Region
	sc := bufio.NewScanner(bytes.NewReader(data))
	header := false
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !header {
			header = true
			continue
		}
		cols := strings.Split(text, "\t")
		if len(cols) != 4 || len(cols[0]) != 6 {
			return nil, fmt.Errorf("regions data line %d: want code, parent, level, name", line)
		}
		out = append(out, Region{Code: cols[0], ParentCode: cols[1], Level: cols[2], Name: cols[3]})
	}
	return out, sc.Err()
}
