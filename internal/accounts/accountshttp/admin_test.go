package accountshttp_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

func TestAdminCreatesAndFindsUsers(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		admin := s.NewUser(t, auth.RoleAdmin)
		c := s.Client(t).As(admin.Access)
		ent := s.NewUser(t, auth.RoleEnterprise)

		var rev struct {
			ID         int64  `json:"id"`
			Role       string `json:"role"`
			RegionCode string `json:"region_code"`
		}
		c.Do("POST", "/api/v1/admin/users", map[string]string{"role": "reviewer",
			"username": "Kaifeng_Rev", "email": "kf@review.example", "password": "Shenhe2026kf",
			"region_code": "410200"}).Expect(t, http.StatusCreated).Decode(t, &rev)
		if rev.Role != "reviewer" || rev.RegionCode != "410200" {
			t.Errorf("created %+v", rev)
		}
		c.Do("POST", "/api/v1/admin/users", map[string]string{"role": "admin",
			"username": "second_admin", "email": "a2@ops.example", "password": "Guanli2026two"}).
			Expect(t, http.StatusCreated)

		bad := []struct {
			body  map[string]string
			field string
		}{
			{map[string]string{"role": "reviewer", "username": "no_region", "email": "n@r.example",
				"password": "Shenhe2026nr"}, "region_code"},
			{map[string]string{"role": "reviewer", "username": "bad_region", "email": "b@r.example",
				"password": "Shenhe2026br", "region_code": "999999"}, "region_code"},
			{map[string]string{"role": "admin", "username": "admin_region", "email": "a@r.example",
				"password": "Guanli2026ar", "region_code": "410100"}, "region_code"},
			{map[string]string{"role": "reviewer", "username": "weak_pw", "email": "w@r.example",
				"password": "password1", "region_code": "410100"}, "password"},
		}
		for _, b := range bad {
			p := c.Do("POST", "/api/v1/admin/users", b.body).ExpectProblem(t, 422, "validation_failed")
			if len(p.Errors) == 0 || p.Errors[0].Field != b.field {
				t.Errorf("%v: errors %+v, want %s", b.body, p.Errors, b.field)
			}
		}
		c.Do("POST", "/api/v1/admin/users", map[string]string{"role": "enterprise",
			"username": "not_staff", "email": "x@y.example", "password": "Qiye2026abc"}, testkit.Raw()).
			ExpectProblem(t, 422, "validation_failed")
		c.Do("POST", "/api/v1/admin/users", map[string]string{"role": "reviewer",
			"username": "kaifeng_rev", "email": "other@review.example", "password": "Shenhe2026kf",
			"region_code": "410200"}).ExpectProblem(t, 409, "username_taken")

		list := func(query string) []string {
			var page struct {
				Items []struct {
					Username string `json:"username"`
				} `json:"items"`
			}
			c.Do("GET", "/api/v1/admin/users"+query, nil).Expect(t, 200).Decode(t, &page)
			names := []string{}
			for _, u := range page.Items {
				names = append(names, u.Username)
			}
			return names
		}
		cases := map[string][]string{
			"?role=reviewer":                  {"Kaifeng_Rev"},
			"?role=admin&q=second":            {"second_admin"},
			"?q=KAIFENG":                      {"Kaifeng_Rev"},
			"?q=" + ent.Username[:10]:         {ent.Username},
			"?q=%25":                          {},
			"?role=enterprise&page=2":         {},
			"?q=review.example&role=reviewer": {"Kaifeng_Rev"},
		}
		for q, want := range cases {
			if diff := cmp.Diff(want, list(q)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", q, diff)
			}
		}
		for _, q := range []string{"?role=boss", "?page_size=101", "?page=0"} {
			c.Do("GET", "/api/v1/admin/users"+q, nil, testkit.Raw()).
				ExpectProblem(t, 422, "validation_failed")
		}
		s.Client(t).As(ent.Access).Do("GET", "/api/v1/admin/users", nil).
			ExpectProblem(t, 403, "forbidden")
	})
}
