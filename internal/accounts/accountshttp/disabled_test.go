package accountshttp_test

import (
	"net/http"
	"testing"

	"shangyun/internal/accounts/accountshttp"
	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// setStatus writes an account's status straight into the database: no
// route disables an account yet.
func setStatus(t *testing.T, s *testkit.Server, id int64, status string) {
	t.Helper()
	res := s.App.DB.Table("users").Where("id = ?", id).Update("status", status)
	if res.Error != nil || res.RowsAffected != 1 {
		t.Fatalf("set status %s of user %d: %d rows, %v", status, id, res.RowsAffected, res.Error)
	}
}

// A disabled account is shut out at once, whatever it holds, but only
// someone with its password learns that it is disabled.
func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		u := s.NewUser(t, auth.RoleEnterprise)
		login := func(c *testkit.Client, password string) *testkit.Response {
			return c.Do("POST", "/api/v1/auth/login",
				accountshttp.LoginRequest{Login: u.Username, Password: password})
		}
		setStatus(t, s, u.ID, "disabled")

		t.Run("access token", func(t *testing.T) {
			c := s.Client(t).As(u.Access)
			c.Do("GET", "/api/v1/me", nil).
				ExpectProblem(t, http.StatusForbidden, "account_disabled")
			c.Do("PATCH", "/api/v1/me", map[string]string{"contact_name": "李四"}).
				ExpectProblem(t, http.StatusForbidden, "account_disabled")
			var names []string
			err := s.App.DB.Table("users").Where("id = ?", u.ID).
				Pluck("contact_name", &names).Error
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != 1 || names[0] == "李四" {
				t.Errorf("contact names %q: the refused edit must change nothing", names)
			}
		})

		t.Run("login with the right password", func(t *testing.T) {
			login(s.Client(t), u.Password).
				ExpectProblem(t, http.StatusForbidden, "account_disabled")
		})

		t.Run("login with a wrong password", func(t *testing.T) {
			c := s.Client(t)
			got := login(c, "Wrong2026pass").
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			unknown := c.Do("POST", "/api/v1/auth/login",
				accountshttp.LoginRequest{Login: "nobody_here", Password: u.Password}).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			if got.Title != unknown.Title || got.Detail != unknown.Detail {
				t.Errorf("refusal %q / %q differs from an unknown login's %q / %q",
					got.Title, got.Detail, unknown.Title, unknown.Detail)
			}
		})

		t.Run("refresh token", func(t *testing.T) {
			refresh(s.Client(t), u.Refresh).
				ExpectProblem(t, http.StatusForbidden, "account_disabled")
		})

		// Runs last: it enables the account again.
		t.Run("enabled again", func(t *testing.T) {
			c := s.Client(t)
			setStatus(t, s, u.ID, "active")
			session := signIn(t, c, u.Username, u.Password)
			if got := me(t, c, session.AccessToken); got.ID != u.ID || got.Status != "active" {
				t.Errorf("me = id %d status %q, want id %d active", got.ID, got.Status, u.ID)
			}
			refresh(c, session.RefreshToken).Expect(t, http.StatusOK)
		})
	})
}
