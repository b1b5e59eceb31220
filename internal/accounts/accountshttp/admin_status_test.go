package accountshttp_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// statusSession is what a sign-in answers, as these tests read it.
type statusSession struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// statusUser is the user body, as these tests read it.
type statusUser struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

func statusLogin(c *testkit.Client, u testkit.User) *testkit.Response {
	return c.Do("POST", "/api/v1/auth/login",
		map[string]string{"login": u.Username, "password": u.Password})
}

func statusRefresh(c *testkit.Client, raw string) *testkit.Response {
	return c.Do("POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": raw})
}

func TestAdminDisablesAndEnablesAccounts(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		admin := s.NewUser(t, auth.RoleAdmin)
		ent := s.NewUser(t, auth.RoleEnterprise)
		bystander := s.NewUser(t, auth.RoleEnterprise, "410105")
		reviewer := s.NewUser(t, auth.RoleReviewer, "410000")

		// One story, step by step: each step depends on the one before.
		t.Run("disabled at once, enabled again", func(t *testing.T) {
			t.Parallel()
			ac, c := s.Client(t).As(admin.Access), s.Client(t)
			path := fmt.Sprintf("/api/v1/admin/users/%d", ent.ID)
			c.As(ent.Access).Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK)

			var got statusUser
			ac.Do("POST", path+"/disable", nil).Expect(t, http.StatusOK).Decode(t, &got)
			if got != (statusUser{ID: ent.ID, Status: "disabled"}) {
				t.Errorf("disable answered %+v", got)
			}
			c.As(ent.Access).Do("GET", "/api/v1/me", nil).
				ExpectProblem(t, http.StatusForbidden, "account_disabled")
			statusLogin(c, ent).ExpectProblem(t, http.StatusForbidden, "account_disabled")
			// Disabling revoked the refresh token: it is simply no longer valid.
			statusRefresh(c, ent.Refresh).ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			// Disabling a disabled account changes nothing and is no error.
			ac.Do("POST", path+"/disable", nil).Expect(t, http.StatusOK).Decode(t, &got)
			if got.Status != "disabled" {
				t.Errorf("second disable answered %+v", got)
			}

			ac.Do("POST", path+"/enable", nil).Expect(t, http.StatusOK).Decode(t, &got)
			if got != (statusUser{ID: ent.ID, Status: "active"}) {
				t.Errorf("enable answered %+v", got)
			}
			// Enabling an active account changes nothing and is no error.
			ac.Do("POST", path+"/enable", nil).Expect(t, http.StatusOK).Decode(t, &got)
			if got.Status != "active" {
				t.Errorf("second enable answered %+v", got)
			}
			var session statusSession
			statusLogin(c, ent).Expect(t, http.StatusOK).Decode(t, &session)
			c.As(session.AccessToken).Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK).
				Decode(t, &got)
			if got != (statusUser{ID: ent.ID, Status: "active"}) {
				t.Errorf("me after enabling: %+v", got)
			}
			statusRefresh(c, session.RefreshToken).Expect(t, http.StatusOK)
			// What the disabling ended stays ended: the sessions held
			// before it do not come back with the account.
			statusRefresh(c, ent.Refresh).ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			c.As(ent.Access).Do("GET", "/api/v1/me", nil).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		})

		t.Run("not one's own account", func(t *testing.T) {
			t.Parallel()
			ac := s.Client(t).As(admin.Access)
			for _, action := range []string{"disable", "enable"} {
				ac.Do("POST", fmt.Sprintf("/api/v1/admin/users/%d/%s", admin.ID, action), nil).
					ExpectProblem(t, http.StatusConflict, "invalid_transition")
			}
			ac.Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK)
		})

		t.Run("unknown account", func(t *testing.T) {
			t.Parallel()
			ac := s.Client(t).As(admin.Access)
			ac.Do("POST", "/api/v1/admin/users/999999/disable", nil).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			ac.Do("POST", "/api/v1/admin/users/999999/enable", nil).
				ExpectProblem(t, http.StatusNotFound, "not_found")
			ac.Do("POST", "/api/v1/admin/users/abc/disable", nil, testkit.Raw()).
				ExpectProblem(t, http.StatusNotFound, "not_found")
		})

		t.Run("admins only", func(t *testing.T) {
			t.Parallel()
			path := fmt.Sprintf("/api/v1/admin/users/%d/disable", bystander.ID)
			for _, u := range []testkit.User{bystander, reviewer} {
				s.Client(t).As(u.Access).Do("POST", path, nil).
					ExpectProblem(t, http.StatusForbidden, "forbidden")
			}
			s.Client(t).Do("POST", path, nil).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			s.Client(t).As(bystander.Access).Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK)
		})
	})
}

func TestAdminUserFilters(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		// Made in this order, so listed (newest first) in the reverse.
		admin := s.NewUser(t, auth.RoleAdmin)
		reviewer := s.NewUser(t, auth.RoleReviewer, "410100")
		e102 := s.NewUser(t, auth.RoleEnterprise, "410102")
		e105 := s.NewUser(t, auth.RoleEnterprise, "410105")
		e202 := s.NewUser(t, auth.RoleEnterprise, "410202")
		e419 := s.NewUser(t, auth.RoleEnterprise, "419001")
		approved := s.NewUser(t, auth.RoleProvider) // approved, serves the whole province
		queued, err := s.App.Accounts.Register(context.Background(), accounts.Registration{
			AccountType: "provider", Username: "queued_provider", Password: testkit.Password,
			Email: "queued@test.example", Phone: "13700000001", CompanyName: "待审服务商",
			ContactName: "王五", RegionCode: "410105"})
		if err != nil {
			t.Fatal(err)
		}
		s.Client(t).As(admin.Access).
			Do("POST", fmt.Sprintf("/api/v1/admin/users/%d/disable", e202.ID), nil).
			Expect(t, http.StatusOK)

		t.Run("filters", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin.Access)
			for query, want := range map[string][]string{
				"?status=disabled": {e202.Username},
				"?status=active&role=enterprise": {e419.Username, e105.Username,
					e102.Username},
				// The approval queue.
				"?role=provider&provider_status=pending":  {queued.Username},
				"?provider_status=pending":                {queued.Username},
				"?role=provider&provider_status=approved": {approved.Username},
				"?role=provider":                          {queued.Username, approved.Username},
				// A city takes in its counties.
				"?region_code=410100": {queued.Username, e105.Username, e102.Username,
					reviewer.Username},
				"?region_code=410100&role=enterprise": {e105.Username, e102.Username},
				"?region_code=410105":                 {queued.Username, e105.Username},
				"?region_code=410200":                 {e202.Username},
				"?region_code=419000":                 {e419.Username},
				"?region_code=410000&status=active&role=enterprise": {e419.Username,
					e105.Username, e102.Username},
				"?region_code=410300": {},
			} {
				var page struct {
					Items []struct {
						Username string `json:"username"`
					} `json:"items"`
					Total int64 `json:"total"`
				}
				c.Do("GET", "/api/v1/admin/users"+query, nil).Expect(t, http.StatusOK).
					Decode(t, &page)
				got := []string{}
				for _, u := range page.Items {
					got = append(got, u.Username)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", query, diff)
				}
				if page.Total != int64(len(want)) {
					t.Errorf("%s: total %d, want %d", query, page.Total, len(want))
				}
			}
		})

		t.Run("bad filters", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t).As(admin.Access)
			for query, field := range map[string]string{
				"?region_code=999999":    "region_code",
				"?region_code=zhengzhou": "region_code",
				"?status=odd":            "status",
				"?provider_status=maybe": "provider_status",
			} {
				p := c.Do("GET", "/api/v1/admin/users"+query, nil, testkit.Raw()).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != field {
					t.Errorf("%s: errors %+v, want one on %s", query, p.Errors, field)
				}
			}
		})
	})
}
