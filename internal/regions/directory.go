package regions

import (
	"context"
	"fmt"
	"regexp"
	"sort"
)

// Directory is the whole tree held in memory: it is small (a province has
// a few hundred divisions) and read by nearly every rule.
type Directory struct {
	byCode   map[string]Region
	children map[string][]Region
	roots    []Region
}

// Load reads the tree from the store.
func Load(ctx context.Context, s Store) (*Directory, error) {
	all, err := s.All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load regions: %w", err)
	}
	return NewDirectory(all), nil
}

// Sync writes the shipped regions to the store, then loads the tree.
func Sync(ctx context.Context, s Store) (*Directory, error) {
	seed, err := Seed()
	if err != nil {
		return nil, err
	}
	if err := s.Upsert(ctx, seed); err != nil {
		return nil, fmt.Errorf("store regions: %w", err)
	}
	return Load(ctx, s)
}

// NewDirectory builds a Directory from a list of regions.
func NewDirectory(all []Region) *Directory {
	d := &Directory{byCode: map[string]Region{}, children: map[string][]Region{}}
	for _, r := range all {
		d.byCode[r.Code] = r
		if r.ParentCode == "" {
			d.roots = append(d.roots, r)
		} else {
			d.children[r.ParentCode] = append(d.children[r.ParentCode], r)
		}
	}
	for _, list := range d.children {
		sort.Slice(list, func(i, j int) bool { return list[i].Code < list[j].Code })
	}
	sort.Slice(d.roots, func(i, j int) bool { return d.roots[i].Code < d.roots[j].Code })
	return d
}

var codePattern = regexp.MustCompile(`^[0-9]{6}$`)

// ValidCode reports whether s has the shape of a region code.
func ValidCode(s string) bool { return codePattern.MatchString(s) }

// Get returns the region with code.
func (d *Directory) Get(code string) (Region, bool) {
	r, ok := d.byCode[code]
	return r, ok
}

// Children returns the children of parent, or the roots when parent is
// empty. ok is false when parent names no region.
func (d *Directory) Children(parent string) (rs []Region, ok bool) {
	if parent == "" {
		return d.roots, true
	}
	if _, ok := d.byCode[parent]; !ok {
		return nil, false
	}
	if rs = d.children[parent]; rs == nil {
		rs = []Region{}
	}
	return rs, true
}

// IsCounty reports whether code is a county-level division, the only level
// an enterprise may be placed in.
func (d *Directory) IsCounty(code string) bool {
	r, ok := d.byCode[code]
	return ok && r.Level == LevelCounty
}

// CityOf returns the city-level node above a county (the county's parent),
// or "" when code is not a county.
func (d *Directory) CityOf(code string) string {
	if !d.IsCounty(code) {
		return ""
	}
	return d.byCode[code].ParentCode
}

// Covers reports whether ancestor is code itself or lies above it.
func (d *Directory) Covers(ancestor, code string) bool {
	for r, ok := d.byCode[code]; ok; r, ok = d.byCode[r.ParentCode] {
		if r.Code == ancestor {
			return true
		}
	}
	return false
}

// Subtree returns ancestor and every code below it.
func (d *Directory) Subtree(ancestor string) []string {
	if _, ok := d.byCode[ancestor]; !ok {
		return nil
	}
	out := []string{ancestor}
	for i := 0; i < len(out); i++ {
		for _, c := range d.children[out[i]] {
			out = append(out, c.Code)
		}
	}
	return out
}

// Exists reports whether code names a region.
func (d *Directory) Exists(code string) bool {
	_, ok := d.byCode[code]
	return ok
}
