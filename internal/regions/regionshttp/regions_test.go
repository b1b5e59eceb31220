package regionshttp_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/regions/regionshttp"
	"shangyun/internal/testkit"
)

// children asks for the children of parent and expects success.
func children(t *testing.T, c *testkit.Client, parent string) []regionshttp.RegionResponse {
	t.Helper()
	path := "/api/v1/regions"
	if parent != "" {
		path += "?parent=" + url.QueryEscape(parent)
	}
	var got []regionshttp.RegionResponse
	c.Do("GET", path, nil).Expect(t, http.StatusOK).Decode(t, &got)
	return got
}

func region(code, parent, level, name string) regionshttp.RegionResponse {
	r := regionshttp.RegionResponse{Code: code, Level: level, Name: name}
	if parent != "" {
		r.ParentCode = &parent
	}
	return r
}

func codes(rs []regionshttp.RegionResponse) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestRegionChildren(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		// A client fails the test it was made for, so each subtest makes its own.
		s := testkit.NewServer(t, driver)

		cities := []string{"410100", "410200", "410300", "410400", "410500", "410600",
			"410700", "410800", "410900", "411000", "411100", "411200", "411300", "411400",
			"411500", "411600", "411700", "419000"}
		tests := []struct {
			name   string
			parent string
			want   []regionshttp.RegionResponse
		}{
			{"no parent is the province", "", []regionshttp.RegionResponse{
				region("410000", "", "province", "河南省")}},
			// Jiyuan is a county-level city straight under the province; the
			// 419000 node stands in for its city.
			{"Jiyuan under its city-level node", "419000", []regionshttp.RegionResponse{
				region("419001", "419000", "county", "济源市")}},
			// The statistics-only zones (fifth digit 7, such as 410171) are
			// not administrative divisions and must not be offered.
			{"counties of Zhengzhou", "410100", []regionshttp.RegionResponse{
				region("410102", "410100", "county", "中原区"),
				region("410103", "410100", "county", "二七区"),
				region("410104", "410100", "county", "管城回族区"),
				region("410105", "410100", "county", "金水区"),
				region("410106", "410100", "county", "上街区"),
				region("410108", "410100", "county", "惠济区"),
				region("410122", "410100", "county", "中牟县"),
				region("410181", "410100", "county", "巩义市"),
				region("410182", "410100", "county", "荥阳市"),
				region("410183", "410100", "county", "新密市"),
				region("410184", "410100", "county", "新郑市"),
				region("410185", "410100", "county", "登封市"),
			}},
			{"a county has no children", "410102", []regionshttp.RegionResponse{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				got := children(t, s.Client(t), tt.parent)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("children of %q (-want +got):\n%s", tt.parent, diff)
				}
			})
		}

		t.Run("cities of the province", func(t *testing.T) {
			t.Parallel()
			got := children(t, s.Client(t), "410000")
			if diff := cmp.Diff(cities, codes(got)); diff != "" {
				t.Errorf("city codes (-want +got):\n%s", diff)
			}
			for _, r := range got {
				if r.Level != "city" || r.ParentCode == nil || *r.ParentCode != "410000" {
					t.Errorf("city %+v: want level city under 410000", r)
				}
			}
		})

		// An empty list must be [] on the wire, never null.
		t.Run("empty list is an array", func(t *testing.T) {
			t.Parallel()
			r := s.Client(t).Do("GET", "/api/v1/regions?parent=419001", nil).
				Expect(t, http.StatusOK)
			if string(r.Body) != "[]" {
				t.Errorf("body %s, want []", r.Body)
			}
		})
	})
}

func TestRegionChildrenRefusesBadParents(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)

		tests := []struct {
			parent     string
			status     int
			code       string
			wantFields []string
		}{
			{"999999", http.StatusNotFound, "not_found", nil},
			{"abc", http.StatusUnprocessableEntity, "validation_failed", []string{"parent"}},
			{"41000", http.StatusUnprocessableEntity, "validation_failed", []string{"parent"}},
			{"4100000", http.StatusUnprocessableEntity, "validation_failed", []string{"parent"}},
		}
		for _, tt := range tests {
			t.Run(tt.parent, func(t *testing.T) {
				t.Parallel()
				p := s.Client(t).Do("GET", "/api/v1/regions?parent="+tt.parent, nil).
					ExpectProblem(t, tt.status, tt.code)
				var got []string
				for _, f := range p.Errors {
					got = append(got, f.Field)
				}
				if diff := cmp.Diff(tt.wantFields, got); diff != "" {
					t.Errorf("error fields (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestCountyCount walks the whole tree over HTTP: the seed data promises
// every county-level division of Henan, 157 of them, each under a city.
func TestCountyCount(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		c := testkit.NewServer(t, driver).Client(t)

		levels := map[string]int{}
		seen := map[string]bool{}
		queue := []string{"410000"}
		for len(queue) > 0 {
			parent := queue[0]
			queue = queue[1:]
			for _, r := range children(t, c, parent) {
				if seen[r.Code] {
					t.Fatalf("region %s listed twice", r.Code)
				}
				seen[r.Code] = true
				if r.Code[4] == '7' {
					t.Errorf("statistics-only zone %s %s offered as a division", r.Code, r.Name)
				}
				levels[r.Level]++
				queue = append(queue, r.Code)
			}
		}

		want := map[string]int{"city": 18, "county": 157}
		if diff := cmp.Diff(want, levels); diff != "" {
			t.Errorf("divisions below 410000 by level (-want +got):\n%s", diff)
		}
	})
}
