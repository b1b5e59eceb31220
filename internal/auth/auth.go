// Package auth names the roles of Shangyun and carries the signed-in caller
// through a request's context.
package auth

import "context"

// Role is what a user is to the platform.
type Role string

// The four roles.
const (
	RoleEnterprise Role = "enterprise"
	RoleProvider   Role = "provider"
	RoleReviewer   Role = "reviewer"
	RoleAdmin      Role = "admin"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleEnterprise, RoleProvider, RoleReviewer, RoleAdmin:
		return true
	}
	return false
}

// Principal is the caller of a request, as proven by its access token.
type Principal struct {
	UserID int64
	Role   Role
	// RegionCode is the region a reviewer is bound to, or an enterprise's
	// county; empty otherwise.
	RegionCode string
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller of the request, if signed in.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
