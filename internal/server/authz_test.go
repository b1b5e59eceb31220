package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// rule says who may use a route: anyone, or signed-in callers of the
// listed roles (every role when the list is empty).
type rule struct {
	public bool
	roles  []auth.Role
}

var (
	anyone   = rule{public: true}
	signedIn = rule{}
)

func only(roles ...auth.Role) rule { return rule{roles: roles} }

var (
	staff      = only(auth.RoleReviewer, auth.RoleAdmin)
	admin      = only(auth.RoleAdmin)
	provider   = only(auth.RoleProvider)
	enterprise = only(auth.RoleEnterprise)
	parties    = only(auth.RoleEnterprise, auth.RoleProvider)
)

// accessTable is the authorization contract of every route. A route
// missing here fails the test: add its row with the route.
var accessTable = map[string]rule{
	"GET /healthz":        anyone,
	"GET /readyz":         anyone,
	"GET /metrics":        anyone,
	"GET /swagger/*any":   anyone,
	"GET /api/v1/regions": anyone,

	"POST /api/v1/auth/register": anyone,
	"POST /api/v1/auth/login":    anyone,
	"POST /api/v1/auth/refresh":  anyone,
	"POST /api/v1/auth/logout":   anyone,
	"GET /api/v1/me":             signedIn,
	"PATCH /api/v1/me":           signedIn,
	"PUT /api/v1/me/password":    signedIn,

	"GET /api/v1/certifications/requirements":           anyone,
	"POST /api/v1/certifications":                       enterprise,
	"GET /api/v1/certifications":                        enterprise,
	"GET /api/v1/certifications/current":                enterprise,
	"GET /api/v1/review/certifications":                 staff,
	"GET /api/v1/review/certifications/:id":             staff,
	"GET /api/v1/review/certifications/:id/files/:kind": staff,
	"POST /api/v1/review/certifications/:id/approve":    staff,
	"POST /api/v1/review/certifications/:id/reject":     staff,

	"POST /api/v1/admin/users": admin,
	"GET /api/v1/admin/users":  admin,

	"GET /api/v1/categories":                              anyone,
	"GET /api/v1/categories/:id":                          anyone,
	"GET /api/v1/categories/:id/image":                    anyone,
	"GET /api/v1/providers/:id":                           anyone,
	"GET /api/v1/providers/:id/logo":                      anyone,
	"GET /api/v1/products":                                anyone,
	"GET /api/v1/products/:id":                            anyone,
	"GET /api/v1/products/:id/cover":                      anyone,
	"GET /api/v1/products/:id/attachments/:attachment_id": anyone,
	"GET /api/v1/provider/products":                       provider,
	"POST /api/v1/provider/products":                      provider,
	"GET /api/v1/provider/products/:id":                   provider,
	"PATCH /api/v1/provider/products/:id":                 provider,
	"POST /api/v1/provider/products/:id/publish":          provider,
	"POST /api/v1/provider/products/:id/unpublish":        provider,
	"PUT /api/v1/provider/products/:id/cover":             provider,
	"POST /api/v1/provider/products/:id/specs":            provider,
	"PATCH /api/v1/provider/specs/:id":                    provider,
	"DELETE /api/v1/provider/specs/:id":                   provider,
	"POST /api/v1/provider/products/:id/attachments":      provider,
	"DELETE /api/v1/provider/attachments/:id":             provider,
	"GET /api/v1/provider/profile":                        provider,
	"PATCH /api/v1/provider/profile":                      provider,
	"PUT /api/v1/provider/profile/logo":                   provider,
	"POST /api/v1/admin/categories":                       admin,
	"PATCH /api/v1/admin/categories/:id":                  admin,
	"DELETE /api/v1/admin/categories/:id":                 admin,
	"PUT /api/v1/admin/categories/:id/image":              admin,
	"POST /api/v1/admin/providers/:id/approve":            admin,
	"POST /api/v1/admin/providers/:id/reject":             admin,
	"POST /api/v1/admin/products/:id/unpublish":           admin,
	"POST /api/v1/admin/products/:id/unblock":             admin,

	"GET /api/v1/benefits":                              enterprise,
	"POST /api/v1/benefits/:policy_id/claim":            enterprise,
	"POST /api/v1/benefits/:policy_id/decline":          enterprise,
	"GET /api/v1/admin/policies":                        admin,
	"POST /api/v1/admin/policies":                       admin,
	"GET /api/v1/admin/policies/:id":                    admin,
	"PATCH /api/v1/admin/policies/:id":                  admin,
	"POST /api/v1/admin/policies/:id/activate":          admin,
	"POST /api/v1/admin/policies/:id/close":             admin,
	"GET /api/v1/cart":                                  enterprise,
	"POST /api/v1/cart/items":                           enterprise,
	"PATCH /api/v1/cart/items/:id":                      enterprise,
	"DELETE /api/v1/cart/items/:id":                     enterprise,
	"POST /api/v1/orders/quote":                         enterprise,
	"POST /api/v1/orders":                               enterprise,
	"GET /api/v1/orders":                                parties,
	"GET /api/v1/orders/:id":                            signedIn,
	"GET /api/v1/orders/:id/attachments":                signedIn,
	"GET /api/v1/orders/:id/attachments/:attachment_id": signedIn,
	"POST /api/v1/orders/:id/contract":                  provider,
	"POST /api/v1/orders/:id/completion-report":         provider,
	"POST /api/v1/orders/:id/invoice":                   provider,
	"POST /api/v1/orders/:id/contract-decision":         enterprise,
	"POST /api/v1/orders/:id/cancel":                    parties,
	"POST /api/v1/orders/:id/evaluation":                enterprise,
	"GET /api/v1/products/:id/evaluations":              anyone,
	"POST /api/v1/admin/users/:id/disable":              admin,
	"POST /api/v1/admin/users/:id/enable":               admin,
	"GET /api/v1/admin/audit-logs":                      admin,
	"GET /api/v1/reports/:name":                         staff,
}

var roles = []auth.Role{auth.RoleEnterprise, auth.RoleProvider, auth.RoleReviewer, auth.RoleAdmin}

// TestAuthorization walks every registered route as an anonymous caller
// and as each role. A caller the rule admits must not get 401 or 403; a
// caller it refuses gets 401 when anonymous and 403 otherwise. Path ids
// name no object, so admitted callers mostly meet 404 or 422: that is
// fine, since the question here is only whether they got past the door.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	s := testkit.NewServer(t, "sqlite")
	tokens := map[auth.Role]string{"": ""}
	for _, r := range roles {
		tokens[r] = s.NewUser(t, r).Access
	}

	for _, route := range s.App.Routes() {
		key := route.Method + " " + route.Path
		want, ok := accessTable[key]
		if !ok {
			t.Errorf("%s has no row in the access table", key)
			continue
		}
		path := strings.ReplaceAll(ginParam.ReplaceAllString(route.Path, "999999"),
			"*any", "index.html")
		for caller, token := range tokens {
			c := s.Client(t).As(token)
			resp := c.Do(route.Method, path, bodyFor(route.Method), testkit.Raw())
			checkAccess(t, key, caller, want, resp.Status)
		}
	}
}

func bodyFor(method string) any {
	if method == http.MethodGet || method == http.MethodDelete {
		return nil
	}
	return "{}"
}

func checkAccess(t *testing.T, key string, caller auth.Role, want rule, status int) {
	t.Helper()
	name := string(caller)
	if name == "" {
		name = "anonymous"
	}
	admitted := want.public ||
		(caller != "" && (len(want.roles) == 0 || slices.Contains(want.roles, caller)))
	switch {
	case admitted && (status == http.StatusUnauthorized || status == http.StatusForbidden):
		t.Errorf("%s as %s: %d, want admitted", key, name, status)
	case !admitted && caller == "" && status != http.StatusUnauthorized:
		t.Errorf("%s as %s: %d, want 401", key, name, status)
	case !admitted && caller != "" && status != http.StatusForbidden:
		t.Errorf("%s as %s: %d, want 403", key, name, status)
	}
}
