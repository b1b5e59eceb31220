package accountshttp_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"shangyun/internal/accounts/accountshttp"
	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/testkit"
	"shangyun/internal/token"
)

// pass meets every password rule and contains none of the usernames below.
const pass = "Cloud2026henan"

// enterprise returns a valid enterprise registration; n keeps its
// username, email and phone apart from those of other accounts.
func enterprise(n int) accountshttp.RegisterRequest {
	return accountshttp.RegisterRequest{
		AccountType: "enterprise",
		Username:    fmt.Sprintf("Henan_Cloud_%02d", n),
		Password:    pass,
		Email:       fmt.Sprintf("It%02d@Example.com", n),
		Phone:       fmt.Sprintf("138001380%02d", n),
		CompanyName: "郑州示例科技有限公司",
		ContactName: "张三",
		RegionCode:  "410102",
	}
}

// provider returns a valid provider registration without a region.
func provider(n int) accountshttp.RegisterRequest {
	r := enterprise(n)
	r.AccountType = "provider"
	r.Username = fmt.Sprintf("Yun_Vendor_%02d", n)
	r.CompanyName = "河南云服务有限公司"
	r.RegionCode = ""
	return r
}

func ptr(s string) *string { return &s }

// wantUser is the user a registration should create at the given instant.
func wantUser(r accountshttp.RegisterRequest, id int64, at time.Time) accountshttp.UserResponse {
	u := accountshttp.UserResponse{
		ID: id, Username: r.Username, Role: r.AccountType,
		Email: strings.ToLower(r.Email), Phone: ptr(r.Phone),
		CompanyName: r.CompanyName, ContactName: r.ContactName,
		Status: "active", CreatedAt: at,
	}
	if r.RegionCode != "" {
		u.RegionCode = ptr(r.RegionCode)
	}
	if r.AccountType == "provider" {
		u.ProviderStatus = ptr("pending")
	}
	return u
}

func register(t *testing.T, c *testkit.Client,
	r accountshttp.RegisterRequest) accountshttp.UserResponse {
	t.Helper()
	var u accountshttp.UserResponse
	c.Do("POST", "/api/v1/auth/register", r).Expect(t, http.StatusCreated).Decode(t, &u)
	return u
}

func signIn(t *testing.T, c *testkit.Client, login, password string) accountshttp.SessionResponse {
	t.Helper()
	var s accountshttp.SessionResponse
	c.Do("POST", "/api/v1/auth/login", accountshttp.LoginRequest{Login: login, Password: password}).
		Expect(t, http.StatusOK).Decode(t, &s)
	return s
}

func refresh(c *testkit.Client, raw string) *testkit.Response {
	return c.Do("POST", "/api/v1/auth/refresh", accountshttp.RefreshRequest{RefreshToken: raw})
}

func me(t *testing.T, c *testkit.Client, access string) accountshttp.MeResponse {
	t.Helper()
	var m accountshttp.MeResponse
	c.As(access).Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK).Decode(t, &m)
	return m
}

// rule is a failed rule as a client switches on it.
type rule struct{ Field, Code string }

func rules(p testkit.Problem) []rule {
	var out []rule
	for _, f := range p.Errors {
		out = append(out, rule{f.Field, f.Code})
	}
	return out
}

// sortRules lets a test state the failed rules in any order.
var sortRules = cmpopts.SortSlices(func(a, b rule) bool { return a.Field < b.Field })

func promptCodes(ps []accountshttp.PromptResponse) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

func TestRegister(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)

		jiyuan := enterprise(3)
		jiyuan.RegionCode = "419001"
		withRegion := provider(4)
		withRegion.RegionCode = "410202"
		tests := []struct {
			name string
			req  accountshttp.RegisterRequest
		}{
			{"enterprise", enterprise(1)},
			{"provider without region", provider(2)},
			{"provider with region", withRegion},
			// Jiyuan is county-level although it sits right under the province.
			{"enterprise in Jiyuan", jiyuan},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				r := c.Do("POST", "/api/v1/auth/register", tt.req).Expect(t, http.StatusCreated)
				var got accountshttp.UserResponse
				r.Decode(t, &got)
				want := wantUser(tt.req, got.ID, s.Clock.Now())
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("registered user (-want +got):\n%s", diff)
				}
				if got.ID <= 0 {
					t.Errorf("id %d, want a positive id", got.ID)
				}

				// Tokens come from signing in, and nothing stored leaks.
				var members map[string]json.RawMessage
				r.Decode(t, &members)
				for _, k := range []string{"access_token", "refresh_token", "password",
					"password_hash", "session_version"} {
					if _, ok := members[k]; ok {
						t.Errorf("answer carries %q: %s", k, r.Body)
					}
				}
			})
		}

		// Each duplicate differs from enterprise(1) only where it must.
		dupUsername := enterprise(10)
		dupUsername.Username = "hENAN_cLOUD_01"
		dupEmail := enterprise(11)
		dupEmail.Email = "IT01@example.COM"
		dupPhone := enterprise(12)
		dupPhone.Phone = enterprise(1).Phone
		duplicates := []struct {
			name string
			req  accountshttp.RegisterRequest
			code string
		}{
			{"username in other case", dupUsername, "username_taken"},
			{"email in other case", dupEmail, "email_taken"},
			{"phone", dupPhone, "phone_taken"},
		}
		for _, tt := range duplicates {
			t.Run("duplicate "+tt.name, func(t *testing.T) {
				c := s.Client(t)
				c.Do("POST", "/api/v1/auth/register", tt.req).ExpectProblem(t,
					http.StatusConflict, tt.code)
			})
		}
	})
}

// TestRegisterNamesTheTakenField registers an email that holds the name
// of another unique field: the answer must still name the email.
func TestRegisterNamesTheTakenField(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)

		first := enterprise(1)
		first.Email = "username.phone@example.com"
		register(t, c, first)

		again := enterprise(2)
		again.Email = first.Email
		c.Do("POST", "/api/v1/auth/register", again).ExpectProblem(t, http.StatusConflict,
			"email_taken")
	})
}

func TestRegisterRules(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)

		tests := []struct {
			name string
			edit func(r *accountshttp.RegisterRequest)
			want []rule
		}{
			{"username too short", func(r *accountshttp.RegisterRequest) {
				r.Username = "abc"
			}, []rule{{"username", "format"}}},
			{"username too long", func(r *accountshttp.RegisterRequest) {
				r.Username = strings.Repeat("a", 33)
			}, []rule{{"username", "format"}}},
			{"username with a dash", func(r *accountshttp.RegisterRequest) {
				r.Username = "henan-cloud"
			}, []rule{{"username", "format"}}},
			{"username with Chinese", func(r *accountshttp.RegisterRequest) {
				r.Username = "河南云计算"
			}, []rule{{"username", "format"}}},
			// A username of digits only could be taken for a phone number.
			{"username of digits only", func(r *accountshttp.RegisterRequest) {
				r.Username = "13800138000"
			}, []rule{{"username", "needs_letter"}}},
			{"password too short", func(r *accountshttp.RegisterRequest) {
				r.Password = "Yun2026"
			}, []rule{{"password", "too_short"}}},
			{"password without digit", func(r *accountshttp.RegisterRequest) {
				r.Password = "CloudHenanYun"
			}, []rule{{"password", "needs_letter_and_digit"}}},
			{"password without letter", func(r *accountshttp.RegisterRequest) {
				r.Password = "2026041000"
			}, []rule{{"password", "needs_letter_and_digit"}}},
			{"password containing the username", func(r *accountshttp.RegisterRequest) {
				r.Password = "x" + strings.ToUpper(r.Username) + "9"
			}, []rule{{"password", "contains_username"}}},
			{"common password", func(r *accountshttp.RegisterRequest) {
				r.Password = "password123"
			}, []rule{{"password", "too_common"}}},
			{"common password in other case", func(r *accountshttp.RegisterRequest) {
				r.Password = "Password123"
			}, []rule{{"password", "too_common"}}},
			{"password too long", func(r *accountshttp.RegisterRequest) {
				r.Password = strings.Repeat("a1", 65)
			}, []rule{{"password", "too_long"}}},
			{"phone too short", func(r *accountshttp.RegisterRequest) {
				r.Phone = "1380013800"
			}, []rule{{"phone", "mobile"}}},
			{"phone not mobile", func(r *accountshttp.RegisterRequest) {
				r.Phone = "02112345678"
			}, []rule{{"phone", "mobile"}}},
			{"phone with country code", func(r *accountshttp.RegisterRequest) {
				r.Phone = "+8613800138000"
			}, []rule{{"phone", "mobile"}}},
			{"email without at", func(r *accountshttp.RegisterRequest) {
				r.Email = "it.example.com"
			}, []rule{{"email", "email"}}},
			{"email without domain dot", func(r *accountshttp.RegisterRequest) {
				r.Email = "it@example"
			}, []rule{{"email", "email"}}},
			{"company name too short", func(r *accountshttp.RegisterRequest) {
				r.CompanyName = " 云 "
			}, []rule{{"company_name", "length"}}},
			{"contact name on two lines", func(r *accountshttp.RegisterRequest) {
				r.ContactName = "张\n三"
			}, []rule{{"contact_name", "length"}}},
			{"region is a city", func(r *accountshttp.RegisterRequest) {
				r.RegionCode = "410100"
			}, []rule{{"region_code", "county"}}},
			{"region is the province", func(r *accountshttp.RegisterRequest) {
				r.RegionCode = "410000"
			}, []rule{{"region_code", "county"}}},
			{"region is Jiyuan's city-level node", func(r *accountshttp.RegisterRequest) {
				r.RegionCode = "419000"
			}, []rule{{"region_code", "county"}}},
			{"unknown region", func(r *accountshttp.RegisterRequest) {
				r.RegionCode = "999999"
			}, []rule{{"region_code", "county"}}},
			{"enterprise without region", func(r *accountshttp.RegisterRequest) {
				r.RegionCode = ""
			}, []rule{{"region_code", "county"}}},
			{"provider with a city as region", func(r *accountshttp.RegisterRequest) {
				*r = provider(1)
				r.RegionCode = "410100"
			}, []rule{{"region_code", "county"}}},
			// Every broken rule is listed at once, not only the first.
			{"several rules", func(r *accountshttp.RegisterRequest) {
				r.Username = "abc"
				r.Phone = "123"
				r.Email = "nobody"
			}, []rule{{"username", "format"}, {"email", "email"}, {"phone", "mobile"}}},
		}
		// The group returns once its parallel cases are done.
		t.Run("refused", func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					c := s.Client(t)
					req := enterprise(1)
					tt.edit(&req)
					p := c.Do("POST", "/api/v1/auth/register", req).
						ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
					if diff := cmp.Diff(tt.want, rules(p), sortRules); diff != "" {
						t.Errorf("failed rules (-want +got):\n%s", diff)
					}
				})
			}
		})

		// The document forbids it too, so it goes unchecked.
		t.Run("unknown account type", func(t *testing.T) {
			c := s.Client(t)
			req := enterprise(1)
			req.AccountType = "admin"
			p := c.Do("POST", "/api/v1/auth/register", req, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if diff := cmp.Diff([]rule{{"account_type", "oneof"}}, rules(p)); diff != "" {
				t.Errorf("failed rules (-want +got):\n%s", diff)
			}
		})

		// None of the refused registrations may have taken a name.
		t.Run("nothing stored", func(t *testing.T) {
			c := s.Client(t)
			register(t, c, enterprise(1))
		})
	})
}

// TestBodies sends bodies that are not one JSON object of the right
// types, or too big, to every route that reads JSON.
func TestBodies(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		const limit = 4 << 10
		s := testkit.NewServer(t, driver, func(cfg *config.Config) {
			cfg.HTTP.BodyLimitBytes = limit
		})
		access := s.NewUser(t, auth.RoleEnterprise).Access

		tooBig := `{"username": "` + strings.Repeat("a", limit) + `"}`
		routes := []struct {
			method, path string
		}{
			{"POST", "/api/v1/auth/register"},
			{"POST", "/api/v1/auth/login"},
			{"POST", "/api/v1/auth/refresh"},
			{"POST", "/api/v1/auth/logout"},
			{"PATCH", "/api/v1/me"},
			{"PUT", "/api/v1/me/password"},
		}
		bodies := []struct {
			name   string
			body   string
			opts   []testkit.Option
			status int
			code   string
		}{
			{name: "malformed JSON", body: `{"username": "abc"`,
				status: http.StatusBadRequest, code: "malformed_body"},
			{name: "JSON array", body: `[{"username": "abc"}]`,
				status: http.StatusBadRequest, code: "malformed_body"},
			{name: "JSON string", body: `"abc"`,
				status: http.StatusBadRequest, code: "malformed_body"},
			{name: "empty body", body: "",
				status: http.StatusBadRequest, code: "malformed_body"},
			{name: "two objects", body: `{} {}`,
				status: http.StatusBadRequest, code: "malformed_body"},
			{name: "not JSON content type", body: `{}`,
				opts:   []testkit.Option{testkit.Header("Content-Type", "text/plain")},
				status: http.StatusBadRequest, code: "malformed_body"},
			{name: "over the limit", body: tooBig,
				status: http.StatusRequestEntityTooLarge, code: "payload_too_large"},
		}
		for _, rt := range routes {
			for _, tt := range bodies {
				t.Run(rt.method+" "+rt.path+" "+tt.name, func(t *testing.T) {
					t.Parallel()
					c := s.Client(t)
					opts := append([]testkit.Option{testkit.Raw()}, tt.opts...)
					c.As(access).Do(rt.method, rt.path, tt.body, opts...).
						ExpectProblem(t, tt.status, tt.code)
				})
			}
		}

		// A value of the wrong JSON type names its field.
		wrongTypes := []struct {
			method, path, body string
			want               []rule
		}{
			{"POST", "/api/v1/auth/register", `{"username": 5}`, []rule{{"username", "type"}}},
			{"POST", "/api/v1/auth/login", `{"login": "a", "password": true}`,
				[]rule{{"password", "type"}}},
			{"POST", "/api/v1/auth/refresh", `{"refresh_token": {}}`,
				[]rule{{"refresh_token", "type"}}},
			{"PATCH", "/api/v1/me", `{"phone": 13800138000}`, []rule{{"phone", "type"}}},
		}
		for _, tt := range wrongTypes {
			t.Run(tt.method+" "+tt.path+" wrong type", func(t *testing.T) {
				t.Parallel()
				c := s.Client(t)
				p := c.As(access).Do(tt.method, tt.path, tt.body).
					ExpectProblem(t, http.StatusBadRequest, "malformed_body")
				if diff := cmp.Diff(tt.want, rules(p)); diff != "" {
					t.Errorf("failed rules (-want +got):\n%s", diff)
				}
			})
		}

		// Only what a client sent may appear: never the server's type names.
		t.Run("array names no Go type", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t)
			p := c.Do("POST", "/api/v1/auth/register", `[]`).ExpectProblem(t,
				http.StatusBadRequest, "malformed_body")
			if strings.Contains(p.Detail, "accountshttp") || strings.Contains(p.Detail, "Request") {
				t.Errorf("detail %q shows a Go type", p.Detail)
			}
			for _, f := range p.Errors {
				if f.Field == "" {
					t.Errorf("error without a field: %+v", f)
				}
			}
		})

		missing := []struct {
			method, path, body string
			want               []rule
		}{
			{"POST", "/api/v1/auth/register", `{}`, []rule{
				{"account_type", "required"}, {"username", "required"},
				{"password", "required"}, {"email", "required"}, {"phone", "required"},
				{"company_name", "required"}, {"contact_name", "required"},
			}},
			{"POST", "/api/v1/auth/login", `{"login": "Henan_Cloud_01"}`,
				[]rule{{"password", "required"}}},
			{"POST", "/api/v1/auth/refresh", `{}`, []rule{{"refresh_token", "required"}}},
			{"POST", "/api/v1/auth/logout", `{"refresh_token": ""}`,
				[]rule{{"refresh_token", "required"}}},
			{"PUT", "/api/v1/me/password", `{"old_password": "x"}`, []rule{
				{"new_password", "required"}, {"confirm_password", "required"},
			}},
		}
		for _, tt := range missing {
			t.Run(tt.method+" "+tt.path+" missing fields", func(t *testing.T) {
				t.Parallel()
				c := s.Client(t)
				p := c.As(access).Do(tt.method, tt.path, tt.body, testkit.Raw()).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if diff := cmp.Diff(tt.want, rules(p), sortRules); diff != "" {
					t.Errorf("failed rules (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestValidationSpeaksTheClientsLanguage(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		req := enterprise(1)
		req.Password = "Yun2026"

		tests := []struct {
			name    string
			accept  string
			lang    string
			title   string
			message string
		}{
			{"Chinese by default", "", "zh", "校验失败", "密码至少 8 个字符"},
			{"English when asked", "en", "en", "Validation failed",
				"must be at least 8 characters"},
			{"English among preferences", "fr;q=0.9, en;q=0.8", "en",
				"Validation failed", "must be at least 8 characters"},
			{"Chinese for unknown languages", "fr", "zh", "校验失败", "密码至少 8 个字符"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				c := s.Client(t)
				if tt.accept != "" {
					c = c.Lang(tt.accept)
				}
				r := c.Do("POST", "/api/v1/auth/register", req)
				p := r.ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if p.Title != tt.title {
					t.Errorf("title %q, want %q", p.Title, tt.title)
				}
				if len(p.Errors) != 1 || p.Errors[0].Message != tt.message {
					t.Errorf("errors %+v, want one with message %q", p.Errors, tt.message)
				}
				if got := r.Header.Get("Content-Language"); got != tt.lang {
					t.Errorf("Content-Language %q, want %q", got, tt.lang)
				}
			})
		}

		// The messages of the binding rules are translated as well.
		t.Run("binding rule in English", func(t *testing.T) {
			t.Parallel()
			c := s.Client(t)
			zh := c.Do("POST", "/api/v1/auth/refresh", `{}`, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			en := c.Lang("en").Do("POST", "/api/v1/auth/refresh", `{}`, testkit.Raw()).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if len(zh.Errors) != 1 || len(en.Errors) != 1 {
				t.Fatalf("errors zh %+v en %+v, want one each", zh.Errors, en.Errors)
			}
			if got := en.Errors[0].Message; got != "refresh_token is a required field" {
				t.Errorf("English message %q", got)
			}
			if got := zh.Errors[0].Message; got == en.Errors[0].Message || got == "" {
				t.Errorf("Chinese message %q, want a translation", got)
			}
		})
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)
		req := enterprise(1)
		user := register(t, c, req)

		logins := []struct{ name, login string }{
			{"username in other case", strings.ToUpper(req.Username)},
			{"email in other case", strings.ToUpper(req.Email)},
			{"phone", req.Phone},
			{"username with spaces around", "  " + req.Username + " "},
		}
		for _, tt := range logins {
			t.Run("by "+tt.name, func(t *testing.T) {
				c := s.Client(t)
				got := signIn(t, c, tt.login, pass)
				want := accountshttp.SessionResponse{
					AccessToken: got.AccessToken, RefreshToken: got.RefreshToken,
					TokenType: "Bearer", ExpiresIn: int(s.App.Config.Auth.AccessTTL.Seconds()),
					User:    user,
					Prompts: []accountshttp.PromptResponse{{Code: "certification_required"}},
				}
				opt := cmpopts.IgnoreFields(accountshttp.PromptResponse{}, "Message")
				if diff := cmp.Diff(want, got, opt); diff != "" {
					t.Errorf("session (-want +got):\n%s", diff)
				}
				if got.AccessToken == "" || got.RefreshToken == "" {
					t.Errorf("session without tokens: %+v", got)
				}
				if me(t, c, got.AccessToken).ID != user.ID {
					t.Errorf("access token is not the user's")
				}
			})
		}

		// Every refusal reads the same, so that nobody learns which accounts
		// exist.
		var details []string
		refusals := []struct{ name, login, password string }{
			{"wrong password", req.Username, "Wrong2026pass"},
			{"password in other case", req.Username, strings.ToUpper(pass)},
			{"unknown username", "nobody_here", pass},
			{"unknown email", "nobody@example.com", pass},
			{"unknown phone", "13999999999", pass},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				p := c.Do("POST", "/api/v1/auth/login",
					accountshttp.LoginRequest{Login: tt.login, Password: tt.password}).
					ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
				details = append(details, p.Detail)
			})
		}
		for _, d := range details {
			if d != details[0] {
				t.Errorf("refusals differ: %q", details)
				break
			}
		}

		t.Run("empty fields", func(t *testing.T) {
			c := s.Client(t)
			p := c.Do("POST", "/api/v1/auth/login", accountshttp.LoginRequest{}).
				ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			want := []rule{{"login", "required"}, {"password", "required"}}
			if diff := cmp.Diff(want, rules(p), sortRules); diff != "" {
				t.Errorf("failed rules (-want +got):\n%s", diff)
			}
		})
	})
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)
		cfg := s.App.Config.Auth
		req := enterprise(1)
		register(t, c, req)
		other := enterprise(2)
		register(t, c, other)

		login := func(who, password string) *testkit.Response {
			return c.Do("POST", "/api/v1/auth/login",
				accountshttp.LoginRequest{Login: who, Password: password})
		}
		fail := func(t *testing.T, times int) {
			t.Helper()
			for range times {
				login(req.Username, "Wrong2026pass").ExpectProblem(t, http.StatusUnauthorized,
					"unauthenticated")
			}
		}
		locked := func(t *testing.T, r *testkit.Response, wait time.Duration) {
			t.Helper()
			r.ExpectProblem(t, http.StatusTooManyRequests, "account_locked")
			want := strconv.Itoa(int(wait.Seconds()))
			if got := r.Header.Get("Retry-After"); got != want {
				t.Errorf("Retry-After %q, want %q", got, want)
			}
		}

		// A success in between starts the count again.
		fail(t, cfg.LockoutAttempts-1)
		signIn(t, c, req.Username, pass)
		fail(t, cfg.LockoutAttempts-1)

		// The failure that reaches the limit is already answered with the lock.
		locked(t, login(req.Username, "Wrong2026pass"), cfg.LockoutDuration)
		locked(t, login(req.Username, pass), cfg.LockoutDuration)
		// The lock holds the account whatever name it is reached by.
		locked(t, login(req.Phone, pass), cfg.LockoutDuration)
		// It holds the account, not the address.
		signIn(t, c, other.Username, pass)

		s.Clock.Advance(cfg.LockoutDuration - time.Minute)
		locked(t, login(strings.ToLower(req.Email), pass), time.Minute)

		s.Clock.Advance(time.Minute + time.Second)
		signIn(t, c, req.Username, pass)
	})
}

func TestLoginAddressLimit(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		const perMinute = 3
		s := testkit.NewServer(t, driver, func(cfg *config.Config) {
			cfg.Auth.AddressPerMinute = perMinute
		})
		c := s.Client(t)

		login := func(opts ...testkit.Option) *testkit.Response {
			return c.Do("POST", "/api/v1/auth/login",
				accountshttp.LoginRequest{Login: "nobody_here", Password: pass}, opts...)
		}
		limited := func(t *testing.T, r *testkit.Response, wait string) {
			t.Helper()
			r.ExpectProblem(t, http.StatusTooManyRequests, "rate_limited")
			if got := r.Header.Get("Retry-After"); got != wait {
				t.Errorf("Retry-After %q, want %q", got, wait)
			}
		}

		for range perMinute {
			login().ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		}
		limited(t, login(), "60")
		// A client cannot pose as another address when no proxy is trusted.
		limited(t, login(testkit.Header("X-Forwarded-For", "203.0.113.7")), "60")

		s.Clock.Advance(45 * time.Second)
		limited(t, login(), "15")

		s.Clock.Advance(15 * time.Second)
		login().ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
	})
}

// jwtParts splits a token and decodes its payload.
func jwtParts(t *testing.T, raw string) ([]string, map[string]any) {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", raw, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(b, &claims); err != nil {
		t.Fatalf("token payload: %v", err)
	}
	return parts, claims
}

func encodeSegment(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// forge signs an access token for user with key, as a server configured
// with that key, issuer and audience would.
func forge(t *testing.T, s *testkit.Server, key token.Key, iss, aud string, userID int64,
	role string) string {
	t.Helper()
	issuer, err := token.NewIssuer([]token.Key{key}, iss, aud, s.App.Config.Auth.AccessTTL,
		s.Clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := issuer.Issue(userID, role, 1)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestAccessTokens(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)
		cfg := s.App.Config.Auth
		entReq, provReq := enterprise(1), provider(2)
		ent, prov := register(t, c, entReq), register(t, c, provReq)
		entSession := signIn(t, c, entReq.Username, pass)
		provAccess := signIn(t, c, provReq.Email, pass).AccessToken
		valid := entSession.AccessToken

		t.Run("enterprise", func(t *testing.T) {
			c := s.Client(t)
			want := accountshttp.MeResponse{
				UserResponse: ent,
				Benefits:     accountshttp.BenefitCounts{},
				Prompts:      []accountshttp.PromptResponse{{Code: "certification_required"}},
			}
			got := me(t, c, valid)
			opt := cmpopts.IgnoreFields(accountshttp.PromptResponse{}, "Message")
			if diff := cmp.Diff(want, got, opt); diff != "" {
				t.Errorf("me (-want +got):\n%s", diff)
			}
			if len(got.Prompts) == 1 && got.Prompts[0].Message == "" {
				t.Errorf("prompt without a message")
			}
		})
		t.Run("provider", func(t *testing.T) {
			c := s.Client(t)
			want := accountshttp.MeResponse{
				UserResponse: prov,
				Benefits:     accountshttp.BenefitCounts{},
				Prompts:      []accountshttp.PromptResponse{},
			}
			if diff := cmp.Diff(want, me(t, c, provAccess)); diff != "" {
				t.Errorf("me (-want +got):\n%s", diff)
			}
		})
		t.Run("prompt in English", func(t *testing.T) {
			c := s.Client(t)
			var got accountshttp.MeResponse
			c.As(valid).Lang("en").Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK).
				Decode(t, &got)
			if len(got.Prompts) != 1 || !strings.Contains(got.Prompts[0].Message, "certified") {
				t.Errorf("prompts %+v, want the certification reminder in English", got.Prompts)
			}
		})

		parts, claims := jwtParts(t, valid)
		// A middle character carries six bits of the signature, all of them
		// used; the last one has spare bits that decoders may ignore.
		tampered := []byte(parts[2])
		if mid := len(tampered) / 2; tampered[mid] == 'A' {
			tampered[mid] = 'B'
		} else {
			tampered[mid] = 'A'
		}
		asAdmin := map[string]any{}
		for k, v := range claims {
			asAdmin[k] = v
		}
		asAdmin["role"] = "admin"
		algNone := encodeSegment(t, map[string]string{"alg": "none", "typ": "JWT"}) + "." +
			parts[1] + "."
		realKey := token.SecretKey(cfg.JWTSecret)
		otherSecret := "another-secret-of-at-least-32-characters"
		tests := []struct {
			name  string
			token string
		}{
			{"garbage", "not-a-token"},
			{"tampered signature", parts[0] + "." + parts[1] + "." + string(tampered)},
			{"tampered payload", parts[0] + "." + encodeSegment(t, asAdmin) + "." + parts[2]},
			{"without signature", parts[0] + "." + parts[1] + "."},
			{"alg none", algNone},
			{"another secret", forge(t, s, token.SecretKey(otherSecret), cfg.Issuer,
				cfg.Audience, ent.ID, "enterprise")},
			{"another secret under the real kid", forge(t, s,
				token.Key{ID: realKey.ID, Secret: []byte(otherSecret)}, cfg.Issuer,
				cfg.Audience, ent.ID, "enterprise")},
			{"another issuer", forge(t, s, realKey, "elsewhere", cfg.Audience, ent.ID,
				"enterprise")},
			{"another audience", forge(t, s, realKey, cfg.Issuer, "elsewhere", ent.ID,
				"enterprise")},
			// A role the account does not hold, even under the real key.
			{"another role", forge(t, s, realKey, cfg.Issuer, cfg.Audience, ent.ID, "admin")},
			{"unknown user", forge(t, s, realKey, cfg.Issuer, cfg.Audience, ent.ID+100,
				"enterprise")},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				c.As(tt.token).Do("GET", "/api/v1/me", nil).
					ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			})
		}

		// The forged tokens fail for what was changed, not for how they
		// were made: the same recipe with the real key passes.
		t.Run("forged with the real key", func(t *testing.T) {
			c := s.Client(t)
			me(t, c, forge(t, s, realKey, cfg.Issuer, cfg.Audience, ent.ID, "enterprise"))
		})

		headers := []struct{ name, value string }{
			{"no header", ""},
			{"another scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b"))},
			{"empty bearer", "Bearer "},
			{"token without scheme", valid},
		}
		for _, tt := range headers {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				var opts []testkit.Option
				if tt.value != "" {
					opts = append(opts, testkit.Header("Authorization", tt.value))
				}
				c.Do("GET", "/api/v1/me", nil, opts...).
					ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			})
		}

		t.Run("signed routes need a token", func(t *testing.T) {
			c := s.Client(t)
			c.Do("PATCH", "/api/v1/me", map[string]any{"contact_name": "李四"}).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
			c.Do("PUT", "/api/v1/me/password", accountshttp.PasswordRequest{
				OldPassword: pass, NewPassword: "Fresh2026pass", ConfirmPassword: "Fresh2026pass",
			}).ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		})

		// Runs last: it moves the clock.
		t.Run("expiry", func(t *testing.T) {
			c := s.Client(t)
			s.Clock.Advance(cfg.AccessTTL - time.Second)
			me(t, c, valid)

			s.Clock.Advance(2 * time.Second)
			c.As(valid).Do("GET", "/api/v1/me", nil).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")

			var next accountshttp.SessionResponse
			refresh(c, entSession.RefreshToken).Expect(t, http.StatusOK).Decode(t, &next)
			me(t, c, next.AccessToken)
		})
	})
}

func TestRefreshAndLogout(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)
		req := enterprise(1)
		user := register(t, c, req)

		t.Run("rotation", func(t *testing.T) {
			c := s.Client(t)
			first := signIn(t, c, req.Username, pass)
			var second accountshttp.SessionResponse
			refresh(c, first.RefreshToken).Expect(t, http.StatusOK).Decode(t, &second)

			if second.RefreshToken == first.RefreshToken ||
				second.AccessToken == first.AccessToken {
				t.Errorf("refresh did not rotate the pair")
			}
			want := accountshttp.SessionResponse{
				AccessToken: second.AccessToken, RefreshToken: second.RefreshToken,
				TokenType: "Bearer", ExpiresIn: int(s.App.Config.Auth.AccessTTL.Seconds()),
				User: user, Prompts: second.Prompts,
			}
			if diff := cmp.Diff(want, second); diff != "" {
				t.Errorf("refreshed session (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"certification_required"},
				promptCodes(second.Prompts)); diff != "" {
				t.Errorf("prompt codes (-want +got):\n%s", diff)
			}
			me(t, c, second.AccessToken)
			me(t, c, first.AccessToken)
		})

		t.Run("reuse revokes the family", func(t *testing.T) {
			c := s.Client(t)
			first := signIn(t, c, req.Username, pass)
			bystander := signIn(t, c, req.Username, pass)
			var second accountshttp.SessionResponse
			refresh(c, first.RefreshToken).Expect(t, http.StatusOK).Decode(t, &second)

			refresh(c, first.RefreshToken).ExpectProblem(t, http.StatusUnauthorized,
				"unauthenticated")
			refresh(c, second.RefreshToken).ExpectProblem(t, http.StatusUnauthorized,
				"unauthenticated")
			// Another sign-in of the same user is another family.
			refresh(c, bystander.RefreshToken).Expect(t, http.StatusOK)
		})

		t.Run("unknown token", func(t *testing.T) {
			c := s.Client(t)
			refresh(c, "not-a-refresh-token").ExpectProblem(t, http.StatusUnauthorized,
				"unauthenticated")
		})

		t.Run("logout", func(t *testing.T) {
			c := s.Client(t)
			session := signIn(t, c, req.Username, pass)
			body := accountshttp.RefreshRequest{RefreshToken: session.RefreshToken}
			c.Do("POST", "/api/v1/auth/logout", body).Expect(t, http.StatusNoContent)
			refresh(c, session.RefreshToken).ExpectProblem(t, http.StatusUnauthorized,
				"unauthenticated")
			c.Do("POST", "/api/v1/auth/logout", body).Expect(t, http.StatusNoContent)
			c.Do("POST", "/api/v1/auth/logout",
				accountshttp.RefreshRequest{RefreshToken: "not-a-refresh-token"}).
				Expect(t, http.StatusNoContent)
		})

		t.Run("logout ends the rotated tokens too", func(t *testing.T) {
			c := s.Client(t)
			first := signIn(t, c, req.Username, pass)
			var second accountshttp.SessionResponse
			refresh(c, first.RefreshToken).Expect(t, http.StatusOK).Decode(t, &second)
			c.Do("POST", "/api/v1/auth/logout",
				accountshttp.RefreshRequest{RefreshToken: first.RefreshToken}).
				Expect(t, http.StatusNoContent)
			refresh(c, second.RefreshToken).ExpectProblem(t, http.StatusUnauthorized,
				"unauthenticated")
		})

		// Runs last: it moves the clock.
		t.Run("expiry", func(t *testing.T) {
			c := s.Client(t)
			session := signIn(t, c, req.Username, pass)
			s.Clock.Advance(s.App.Config.Auth.RefreshTTL)
			refresh(c, session.RefreshToken).ExpectProblem(t, http.StatusUnauthorized,
				"unauthenticated")
		})
	})
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)
		req, otherReq := enterprise(1), enterprise(2)
		user := register(t, c, req)
		register(t, c, otherReq)
		access := signIn(t, c, req.Username, pass).AccessToken
		opt := cmpopts.IgnoreFields(accountshttp.PromptResponse{}, "Message")

		// Each edit builds on the ones before it.
		want := accountshttp.ProfileResponse{MeResponse: accountshttp.MeResponse{
			UserResponse: user,
			Prompts:      []accountshttp.PromptResponse{{Code: "certification_required"}},
		}}
		edits := []struct {
			name string
			body map[string]any
			edit func(u *accountshttp.UserResponse)
		}{
			{"nothing", map[string]any{}, func(*accountshttp.UserResponse) {}},
			{"contact name", map[string]any{"contact_name": "李四"},
				func(u *accountshttp.UserResponse) { u.ContactName = "李四" }},
			{"email", map[string]any{"email": "New.Mail@Example.com"},
				func(u *accountshttp.UserResponse) { u.Email = "new.mail@example.com" }},
			{"own email in other case", map[string]any{"email": "NEW.MAIL@example.com"},
				func(*accountshttp.UserResponse) {}},
			{"phone", map[string]any{"phone": "13900139000"},
				func(u *accountshttp.UserResponse) { u.Phone = ptr("13900139000") }},
			{"company name", map[string]any{"company_name": " 开封云计算有限公司 "},
				func(u *accountshttp.UserResponse) { u.CompanyName = "开封云计算有限公司" }},
			{"county in another city", map[string]any{"region_code": "410202"},
				func(u *accountshttp.UserResponse) { u.RegionCode = ptr("410202") }},
			{"Jiyuan", map[string]any{"region_code": "419001"},
				func(u *accountshttp.UserResponse) { u.RegionCode = ptr("419001") }},
			{"several fields", map[string]any{"contact_name": "王五", "region_code": "410102"},
				func(u *accountshttp.UserResponse) {
					u.ContactName = "王五"
					u.RegionCode = ptr("410102")
				}},
		}
		for _, tt := range edits {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				tt.edit(&want.UserResponse)
				var got accountshttp.ProfileResponse
				r := c.As(access).Do("PATCH", "/api/v1/me", tt.body).Expect(t, http.StatusOK)
				r.Decode(t, &got)
				if diff := cmp.Diff(want, got, opt); diff != "" {
					t.Errorf("profile (-want +got):\n%s", diff)
				}
				if !strings.Contains(string(r.Body), `"certification_invalidated":false`) {
					t.Errorf("answer lacks certification_invalidated false: %s", r.Body)
				}
			})
		}

		refused := []struct {
			name   string
			body   map[string]any
			status int
			code   string
			want   []rule
		}{
			{"region is a city", map[string]any{"region_code": "410100"},
				http.StatusUnprocessableEntity, "validation_failed",
				[]rule{{"region_code", "county"}}},
			{"unknown region", map[string]any{"region_code": "999999"},
				http.StatusUnprocessableEntity, "validation_failed",
				[]rule{{"region_code", "county"}}},
			{"empty region", map[string]any{"region_code": ""},
				http.StatusUnprocessableEntity, "validation_failed",
				[]rule{{"region_code", "county"}}},
			{"empty contact name", map[string]any{"contact_name": " "},
				http.StatusUnprocessableEntity, "validation_failed",
				[]rule{{"contact_name", "length"}}},
			{"company name too short", map[string]any{"company_name": "云"},
				http.StatusUnprocessableEntity, "validation_failed",
				[]rule{{"company_name", "length"}}},
			{"bad email", map[string]any{"email": "not-an-email"},
				http.StatusUnprocessableEntity, "validation_failed", []rule{{"email", "email"}}},
			{"bad phone", map[string]any{"phone": "12345"},
				http.StatusUnprocessableEntity, "validation_failed", []rule{{"phone", "mobile"}}},
			// A good field is not saved when another one is refused.
			{"one good one bad", map[string]any{"contact_name": "赵六", "phone": "12345"},
				http.StatusUnprocessableEntity, "validation_failed", []rule{{"phone", "mobile"}}},
			{"email of another user", map[string]any{"email": strings.ToUpper(otherReq.Email)},
				http.StatusConflict, "email_taken", nil},
			{"phone of another user", map[string]any{"phone": otherReq.Phone},
				http.StatusConflict, "phone_taken", nil},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				p := c.As(access).Do("PATCH", "/api/v1/me", tt.body).
					ExpectProblem(t, tt.status, tt.code)
				if diff := cmp.Diff(tt.want, rules(p), sortRules); diff != "" {
					t.Errorf("failed rules (-want +got):\n%s", diff)
				}
			})
		}

		t.Run("refusals changed nothing", func(t *testing.T) {
			c := s.Client(t)
			var got accountshttp.MeResponse
			c.As(access).Do("GET", "/api/v1/me", nil).Expect(t, http.StatusOK).Decode(t, &got)
			if diff := cmp.Diff(want.MeResponse, got, opt); diff != "" {
				t.Errorf("me (-want +got):\n%s", diff)
			}
		})

		t.Run("signs in with the new email and phone", func(t *testing.T) {
			c := s.Client(t)
			signIn(t, c, "new.mail@example.com", pass)
			signIn(t, c, "13900139000", pass)
			c.Do("POST", "/api/v1/auth/login",
				accountshttp.LoginRequest{Login: req.Phone, Password: pass}).
				ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		})
	})
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		c := s.Client(t)
		req := enterprise(1)
		register(t, c, req)
		old := signIn(t, c, req.Username, pass)

		const next = "Fresh2026pass"
		change := func(c *testkit.Client, oldPw, newPw, confirm string) *testkit.Response {
			body := accountshttp.PasswordRequest{
				OldPassword: oldPw, NewPassword: newPw, ConfirmPassword: confirm}
			return c.As(old.AccessToken).Do("PUT", "/api/v1/me/password", body)
		}
		refused := []struct {
			name                    string
			oldPw, newPw, confirmPw string
			want                    []rule
		}{
			{"wrong old password", "Wrong2026pass", next, next,
				[]rule{{"old_password", "mismatch"}}},
			{"confirmation differs", pass, next, next + "x",
				[]rule{{"confirm_password", "eqfield"}}},
			{"too short", pass, "Yun2026", "Yun2026", []rule{{"new_password", "too_short"}}},
			{"without digit", pass, "CloudHenanYun", "CloudHenanYun",
				[]rule{{"new_password", "needs_letter_and_digit"}}},
			{"containing the username", pass, req.Username + "9", req.Username + "9",
				[]rule{{"new_password", "contains_username"}}},
			{"common", pass, "password123", "password123", []rule{{"new_password", "too_common"}}},
			{"unchanged", pass, pass, pass, []rule{{"new_password", "unchanged"}}},
		}
		for _, tt := range refused {
			t.Run(tt.name, func(t *testing.T) {
				c := s.Client(t)
				p := change(c, tt.oldPw, tt.newPw, tt.confirmPw).
					ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
				if diff := cmp.Diff(tt.want, rules(p), sortRules); diff != "" {
					t.Errorf("failed rules (-want +got):\n%s", diff)
				}
			})
		}
		// The refusals left the old sign-in working.
		me(t, c, old.AccessToken)

		change(c, pass, next, next).Expect(t, http.StatusNoContent)

		c.As(old.AccessToken).Do("GET", "/api/v1/me", nil).
			ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		refresh(c, old.RefreshToken).ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		c.Do("POST", "/api/v1/auth/login", accountshttp.LoginRequest{Login: req.Username,
			Password: pass}).ExpectProblem(t, http.StatusUnauthorized, "unauthenticated")
		fresh := signIn(t, c, req.Username, next)
		me(t, c, fresh.AccessToken)
		refresh(c, fresh.RefreshToken).Expect(t, http.StatusOK)
	})
}
