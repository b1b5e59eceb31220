package testkit

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
)

// User is an account made for a test, signed in.
type User struct {
	ID       int64
	Role     auth.Role
	Username string
	Password string
	Access   string
	Refresh  string
}

var userSeq atomic.Int64

// Password is the password of every account made by NewUser.
const Password = "Shangyun2026ok"

// NewUser makes an account of role and signs it in over HTTP. Enterprises
// are placed in region (default 410102, 中原区, Zhengzhou); reviewers are
// bound to region (default 410100, Zhengzhou city); providers are approved.
func (s *Server) NewUser(t *testing.T, role auth.Role, region ...string) User {
	t.Helper()
	n := userSeq.Add(1)
	u := User{Role: role, Username: fmt.Sprintf("%s_%d", role, n), Password: Password}
	email := u.Username + "@test.example"
	ctx := context.Background()
	svc := s.App.Accounts

	code := map[auth.Role]string{auth.RoleEnterprise: "410102", auth.RoleReviewer: "410100"}[role]
	if len(region) > 0 {
		code = region[0]
	}
	var made accounts.User
	var err error
	switch role {
	case auth.RoleEnterprise, auth.RoleProvider:
		made, err = svc.Register(ctx, accounts.Registration{AccountType: string(role),
			Username: u.Username, Password: u.Password, Email: email,
			Phone: fmt.Sprintf("139%08d", n), CompanyName: "测试企业" + u.Username,
			ContactName: "测试", RegionCode: code})
		if err == nil && role == auth.RoleProvider {
			_, err = s.App.Catalog.ApproveProvider(ctx, made.ID)
		}
	default:
		made, err = svc.CreateStaff(ctx, s.App.Regions, accounts.Staff{Role: role,
			Username: u.Username, Email: email, Password: u.Password, RegionCode: code})
	}
	if err != nil {
		t.Fatalf("make %s: %v", role, err)
	}
	u.ID = made.ID

	var session struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	s.Client(t).Do("POST", "/api/v1/auth/login",
		map[string]string{"login": u.Username, "password": u.Password}).
		Expect(t, http.StatusOK).Decode(t, &session)
	u.Access, u.Refresh = session.AccessToken, session.RefreshToken
	return u
}
