package accounts

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"shangyun/internal/accounts/password"
	"shangyun/internal/auth"
	"shangyun/internal/problem"
)

// Registration is a self-registration as enterprise or provider.
type Registration struct {
	AccountType string
	Username    string
	Password    string
	Email       string
	Phone       string
	CompanyName string
	ContactName string
	RegionCode  string
}

// RegionChecker answers whether a code is a county-level division.
type RegionChecker interface {
	IsCounty(code string) bool
}

var (
	usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_]{4,32}$`)
	hasLetter       = regexp.MustCompile(`[A-Za-z]`)
	phonePattern    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	emailPattern    = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
)

func field(name, code, zh, en string) problem.Field {
	return problem.Field{Field: name, Code: code, Message: problem.Text{ZH: zh, EN: en}}
}

// check collects every failed rule of a registration.
func (r Registration) check(regions RegionChecker) []problem.Field {
	var fs []problem.Field
	role := auth.Role(r.AccountType)
	if role != auth.RoleEnterprise && role != auth.RoleProvider {
		fs = append(fs, field("account_type", "oneof",
			"账号类型须为 enterprise 或 provider", "must be enterprise or provider"))
	}
	fs = append(fs, checkUsername(r.Username)...)
	fs = append(fs, checkPassword("password", r.Password, r.Username)...)
	fs = append(fs, checkEmail(r.Email)...)
	fs = append(fs, checkPhone(r.Phone)...)
	fs = append(fs, checkText("company_name", r.CompanyName, 2, 100)...)
	fs = append(fs, checkText("contact_name", r.ContactName, 1, 50)...)
	if r.RegionCode != "" || role == auth.RoleEnterprise {
		fs = append(fs, checkCounty(r.RegionCode, regions)...)
	}
	return fs
}

func checkUsername(u string) []problem.Field {
	switch {
	case !usernamePattern.MatchString(u):
		return []problem.Field{field("username", "format",
			"用户名须为 4 到 32 位字母、数字或下划线", "must be 4 to 32 of a-z, A-Z, 0-9 and _")}
	case !hasLetter.MatchString(u):
		return []problem.Field{field("username", "needs_letter",
			"用户名须包含至少一个字母", "must contain a letter")}
	}
	return nil
}

var passwordMessages = map[password.Problem]problem.Text{
	password.TooShort:       {ZH: "密码至少 8 个字符", EN: "must be at least 8 characters"},
	password.TooLong:        {ZH: "密码最多 128 个字符", EN: "must be at most 128 characters"},
	password.NeedsLetter:    {ZH: "密码须同时包含字母和数字", EN: "must contain letters and digits"},
	password.HasUsername:    {ZH: "密码不能包含用户名", EN: "must not contain the username"},
	password.TooCommon:      {ZH: "密码过于常见，请换一个", EN: "is too common; choose another"},
	password.HasControlChar: {ZH: "密码不能包含控制字符", EN: "must not contain control characters"},
}

func checkPassword(name, plain, username string) []problem.Field {
	p := password.Check(plain, username)
	if p == "" {
		return nil
	}
	return []problem.Field{{Field: name, Code: string(p), Message: passwordMessages[p]}}
}

func checkEmail(e string) []problem.Field {
	if len(e) > 254 || !emailPattern.MatchString(e) {
		return []problem.Field{field("email", "email", "邮箱格式不正确", "must be an email address")}
	}
	return nil
}

func checkPhone(p string) []problem.Field {
	if !phonePattern.MatchString(p) {
		return []problem.Field{field("phone", "mobile",
			"手机号须为 11 位中国大陆手机号", "must be a mainland China mobile number")}
	}
	return nil
}

func checkText(name, v string, min, max int) []problem.Field {
	n := utf8.RuneCountInString(strings.TrimSpace(v))
	if n < min || n > max || strings.ContainsAny(v, "\r\n\t") {
		return []problem.Field{field(name, "length",
			"长度须在 "+strconv.Itoa(min)+" 到 "+strconv.Itoa(max)+" 个字符之间",
			"must be "+strconv.Itoa(min)+" to "+strconv.Itoa(max)+" characters on one line")}
	}
	return nil
}

func checkCounty(code string, regions RegionChecker) []problem.Field {
	if !regions.IsCounty(code) {
		return []problem.Field{field("region_code", "county",
			"所属区域须为区县级行政区划代码", "must be the code of a county-level division")}
	}
	return nil
}

// normalizeEmail lowercases an email so that uniqueness ignores case.
func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }
