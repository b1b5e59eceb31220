package httpx

import (
	"context"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"shangyun/internal/auth"
	"shangyun/internal/logging"
	"shangyun/internal/problem"
)

// Authenticator turns a bearer token into the caller it proves.
type Authenticator interface {
	// Authenticate returns the caller, or a problem: unauthenticated for a
	// token that must not be accepted, account_disabled for a disabled
	// account.
	Authenticate(ctx context.Context, bearer string) (auth.Principal, error)
}

// RequireAuth admits requests with a valid access token and puts the
// caller in the request's context.
func RequireAuth(a Authenticator) gin.HandlerFunc {
	return func(c *gin.Context) {
		header := c.GetHeader("Authorization")
		scheme, bearer, ok := strings.Cut(header, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(bearer) == "" {
			Fail(c, problem.Unauthenticated())
			return
		}
		p, err := a.Authenticate(c.Request.Context(), strings.TrimSpace(bearer))
		if err != nil {
			Fail(c, err)
			return
		}
		ctx := auth.WithPrincipal(c.Request.Context(), p)
		c.Request = c.Request.WithContext(logging.WithUserID(ctx, p.UserID))
		c.Next()
	}
}

// RequireRole admits only the given roles; others get 403. It must follow
// RequireAuth.
func RequireRole(roles ...auth.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := principalOf(c)
		if !ok {
			Fail(c, problem.Unauthenticated())
			return
		}
		if !slices.Contains(roles, p.Role) {
			Fail(c, problem.Forbidden())
			return
		}
		c.Next()
	}
}

// Caller returns the signed-in caller; handlers behind RequireAuth may
// rely on it.
func Caller(c *gin.Context) auth.Principal {
	p, _ := principalOf(c)
	return p
}

func principalOf(c *gin.Context) (auth.Principal, bool) {
	return auth.FromContext(c.Request.Context())
}
