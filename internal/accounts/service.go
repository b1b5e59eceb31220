package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"shangyun/internal/accounts/password"
	"shangyun/internal/audit"
	"shangyun/internal/auth"
	"shangyun/internal/problem"
	"shangyun/internal/token"
)

// ErrTokenReused is returned by Store.UseRefreshToken for a refresh token
// that was already used or revoked.
var ErrTokenReused = errors.New("refresh token reused")

// Policy holds the sign-in limits.
type Policy struct {
	RefreshTTL       time.Duration
	LockoutAttempts  int
	LockoutDuration  time.Duration
	AddressPerMinute int
}

// Transactor runs a function in one database transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// ProfileGuard is consulted, inside the transaction of a profile edit, by
// a capability whose rules depend on the profile. It may refuse the edit
// or react to it, and reports whether the edit invalidated a pending
// certification.
type ProfileGuard interface {
	BeforeProfileChange(ctx context.Context, u User, ch ProfileChange) (invalidated bool, err error)
}

// Deps are what a Service works with.
type Deps struct {
	Store   Store
	Tx      Transactor
	Regions RegionChecker
	Tokens  *token.Issuer
	Limiter Limiter
	Policy  Policy
	Now     func() time.Time
	// Summarizers fill in the sign-in and profile answers, in order.
	Summarizers []Summarizer
	Guards      []ProfileGuard
	Audit       audit.Recorder
}

// Service carries out the account rules.
type Service struct {
	Deps
	dummyHash string
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	dummy, _ := password.Hash("a-password-nobody-has-0")
	return &Service{Deps: d, dummyHash: dummy}
}

// Session is the answer to a sign-in or a refresh.
type Session struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    int
	User         User
	Summary      Summary
}

// Register creates an enterprise or provider account. It returns a
// validation_failed problem listing every broken rule, or username_taken,
// email_taken or phone_taken.
func (s *Service) Register(ctx context.Context, r Registration) (User, error) {
	if fs := r.check(s.Regions); len(fs) > 0 {
		return User{}, problem.Validation(fs...)
	}
	hash, err := password.Hash(r.Password)
	if err != nil {
		return User{}, err
	}

	now := s.Now().UTC()
	u := User{
		Username:     r.Username,
		Role:         auth.Role(r.AccountType),
		Status:       StatusActive,
		Email:        normalizeEmail(r.Email),
		Phone:        r.Phone,
		CompanyName:  strings.TrimSpace(r.CompanyName),
		ContactName:  strings.TrimSpace(r.ContactName),
		RegionCode:   r.RegionCode,
		PasswordHash: hash,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if u.Role == auth.RoleProvider {
		u.ProviderStatus = ProviderPending
	}
	if err := s.Store.CreateUser(ctx, &u); err != nil {
		return User{}, fmt.Errorf("register: %w", err)
	}
	s.record(ctx, "account.register", "user", strconv.FormatInt(u.ID, 10), string(u.Role))
	return u, nil
}

// Login signs a user in by username, email or phone. Failed attempts count
// towards a lockout of the account (429 account_locked) and towards the
// limit of the client address (429 rate_limited).
func (s *Service) Login(ctx context.Context, login, plain, addr, lang string) (Session, error) {
	wait, err := s.Limiter.Hit(ctx, "login-addr:"+addr, s.Policy.AddressPerMinute, time.Minute)
	if err != nil {
		return Session{}, problem.Unavailable(err)
	}
	if wait > 0 {
		return Session{}, limited(problem.CodeRateLimited, wait)
	}

	u, err := s.Store.UserByLogin(ctx, strings.TrimSpace(login))
	if problem.CodeOf(err) == problem.CodeNotFound {
		_, _ = password.Verify(plain, s.dummyHash) // same time as a wrong password
		s.record(ctx, "auth.login_failed", "login", login, "unknown login")
		return Session{}, badCredentials()
	}
	if err != nil {
		return Session{}, err
	}

	lockKey := "login-user:" + strconv.FormatInt(u.ID, 10)
	if wait, err := s.Limiter.Blocked(ctx, lockKey); err != nil || wait > 0 {
		if err != nil {
			return Session{}, problem.Unavailable(err)
		}
		return Session{}, limited(problem.CodeAccountLocked, wait)
	}
	if ok, err := password.Verify(plain, u.PasswordHash); err != nil || !ok {
		s.record(ctx, "auth.login_failed", "user", strconv.FormatInt(u.ID, 10), "wrong password")
		locked, lerr := s.Limiter.Fail(ctx, lockKey, s.Policy.LockoutAttempts, s.Policy.LockoutDuration)
		if lerr != nil {
			return Session{}, problem.Unavailable(lerr)
		}
		if locked > 0 {
			return Session{}, limited(problem.CodeAccountLocked, locked)
		}
		return Session{}, badCredentials()
	}
	if u.Status != StatusActive {
		return Session{}, disabled()
	}
	if err := s.Limiter.Reset(ctx, lockKey); err != nil {
		return Session{}, problem.Unavailable(err)
	}
	return s.startSession(ctx, u, newFamily(), lang)
}

// Refresh trades a refresh token for a new pair. A token used twice
// revokes its whole family: whoever holds either copy must sign in again.
func (s *Service) Refresh(ctx context.Context, raw, lang string) (Session, error) {
	now := s.Now().UTC()
	old, err := s.Store.UseRefreshToken(ctx, hashToken(raw), now)
	switch {
	case errors.Is(err, ErrTokenReused):
		if rerr := s.Store.RevokeFamily(ctx, old.Family, now); rerr != nil {
			return Session{}, rerr
		}
		return Session{}, invalidRefresh()
	case problem.CodeOf(err) == problem.CodeNotFound:
		return Session{}, invalidRefresh()
	case err != nil:
		return Session{}, err
	case !now.Before(old.ExpiresAt):
		return Session{}, invalidRefresh()
	}

	u, err := s.Store.UserByID(ctx, old.UserID)
	if err != nil {
		return Session{}, err
	}
	if u.Status != StatusActive {
		return Session{}, disabled()
	}
	return s.startSession(ctx, u, old.Family, lang)
}

// Logout revokes the family of a refresh token. Unknown tokens are
// ignored, so that logging out twice is harmless.
func (s *Service) Logout(ctx context.Context, raw string) error {
	now := s.Now().UTC()
	old, err := s.Store.UseRefreshToken(ctx, hashToken(raw), now)
	if problem.CodeOf(err) == problem.CodeNotFound {
		return nil
	}
	if err != nil && !errors.Is(err, ErrTokenReused) {
		return err
	}
	return s.Store.RevokeFamily(ctx, old.Family, now)
}

func (s *Service) startSession(ctx context.Context, u User, family, lang string) (Session, error) {
	access, _, err := s.Tokens.Issue(u.ID, string(u.Role), u.SessionVersion)
	if err != nil {
		return Session{}, err
	}
	raw, err := randomToken()
	if err != nil {
		return Session{}, err
	}

	now := s.Now().UTC()
	err = s.Store.CreateRefreshToken(ctx, RefreshToken{
		UserID: u.ID, Family: family, Hash: hashToken(raw),
		ExpiresAt: now.Add(s.Policy.RefreshTTL), CreatedAt: now,
	})
	if err != nil {
		return Session{}, fmt.Errorf("store refresh token: %w", err)
	}
	sum, err := s.Summarize(ctx, u, lang)
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, RefreshToken: raw,
		ExpiresIn: int(s.Tokens.TTL().Seconds()), User: u, Summary: sum}, nil
}

// Authenticate implements the HTTP layer's authenticator: the token must
// verify, and its account must exist, be active, hold the same role and
// not have changed its password since the token was issued.
func (s *Service) Authenticate(ctx context.Context, bearer string) (auth.Principal, error) {
	c, err := s.Tokens.Parse(bearer)
	if err != nil {
		return auth.Principal{}, problem.Unauthenticated()
	}
	u, err := s.Store.Session(ctx, c.UserID)
	if problem.CodeOf(err) == problem.CodeNotFound {
		return auth.Principal{}, problem.Unauthenticated()
	}
	if err != nil {
		return auth.Principal{}, err
	}
	if u.Status != StatusActive {
		return auth.Principal{}, disabled()
	}
	if string(u.Role) != c.Role || u.SessionVersion != c.Session {
		return auth.Principal{}, problem.Unauthenticated()
	}
	return auth.Principal{UserID: u.ID, Role: u.Role, RegionCode: u.RegionCode}, nil
}

// Me returns a user with the summary the capabilities give of it.
func (s *Service) Me(ctx context.Context, id int64, lang string) (User, Summary, error) {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return User{}, Summary{}, err
	}
	sum, err := s.Summarize(ctx, u, lang)
	return u, sum, err
}

// Summarize runs every summarizer over u.
func (s *Service) Summarize(ctx context.Context, u User, lang string) (Summary, error) {
	sum := Summary{Prompts: []Prompt{}}
	for _, z := range s.Summarizers {
		if err := z.Summarize(ctx, u, lang, &sum); err != nil {
			return Summary{}, fmt.Errorf("summarize user: %w", err)
		}
	}
	return sum, nil
}

// UpdateProfile edits the basic profile. Company name and region belong
// to enterprises and providers; reviewers and admins may not change them.
// The guards see the edit in the same transaction, so that a decision on
// the account cannot slip in between. invalidated reports that the edit
// ended a pending certification.
func (s *Service) UpdateProfile(ctx context.Context, id int64,
	ch ProfileChange) (u User, invalidated bool, err error) {
	if ch.Email != nil {
		e := normalizeEmail(*ch.Email)
		ch.Email = &e
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		invalidated = false
		cur, err := s.Store.Lock(ctx, id)
		if err != nil {
			return err
		}
		if fs := ch.check(cur, s.Regions); len(fs) > 0 {
			return problem.Validation(fs...)
		}
		for _, g := range s.Guards {
			inv, err := g.BeforeProfileChange(ctx, cur, ch)
			if err != nil {
				return err
			}
			invalidated = invalidated || inv
		}
		if u, err = s.Store.UpdateProfile(ctx, id, ch); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Entry{Action: "account.profile_update",
			TargetType: "user", TargetID: strconv.FormatInt(id, 10)})
	})
	return u, invalidated, err
}

// Users returns a page of users matching f.
func (s *Service) Users(ctx context.Context, f UserFilter) ([]User, int64, error) {
	return s.Store.List(ctx, f)
}

func (ch ProfileChange) check(u User, regions RegionChecker) []problem.Field {
	var fs []problem.Field
	staff := u.Role == auth.RoleReviewer || u.Role == auth.RoleAdmin
	if ch.CompanyName != nil {
		if staff {
			fs = append(fs, notEditable("company_name"))
		} else {
			fs = append(fs, checkText("company_name", *ch.CompanyName, 2, 100)...)
		}
	}
	if ch.RegionCode != nil {
		if staff {
			fs = append(fs, notEditable("region_code"))
		} else {
			fs = append(fs, checkCounty(*ch.RegionCode, regions)...)
		}
	}
	if ch.ContactName != nil {
		fs = append(fs, checkText("contact_name", *ch.ContactName, 1, 50)...)
	}
	if ch.Email != nil {
		fs = append(fs, checkEmail(*ch.Email)...)
	}
	if ch.Phone != nil {
		fs = append(fs, checkPhone(*ch.Phone)...)
	}
	return fs
}

func notEditable(name string) problem.Field {
	return field(name, "not_editable", "该角色不能修改此字段", "cannot be changed for this role")
}

// ChangePassword replaces the password after checking the old one. Every
// refresh token and every access token issued before is revoked.
func (s *Service) ChangePassword(ctx context.Context, id int64, old, next, confirm string) error {
	u, err := s.Store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if ok, err := password.Verify(old, u.PasswordHash); err != nil || !ok {
		return problem.Validation(field("old_password", "mismatch",
			"原密码不正确", "is not the current password"))
	}
	fs := checkPassword("new_password", next, u.Username)
	if next != confirm {
		fs = append(fs, field("confirm_password", "eqfield",
			"两次输入的新密码不一致", "must equal new_password"))
	}
	if next == old && len(fs) == 0 {
		fs = append(fs, field("new_password", "unchanged",
			"新密码不能与原密码相同", "must differ from the current password"))
	}
	if len(fs) > 0 {
		return problem.Validation(fs...)
	}

	hash, err := password.Hash(next)
	if err != nil {
		return err
	}
	return s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.SetPassword(ctx, id, hash, s.Now().UTC()); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Entry{Action: "account.password_change",
			TargetType: "user", TargetID: strconv.FormatInt(id, 10)})
	})
}

// record appends an audit entry outside any transaction; a failure is
// logged by the recorder's caller only, since the action itself stands.
func (s *Service) record(ctx context.Context, action, targetType, targetID, detail string) {
	if len(targetID) > 64 {
		targetID = targetID[:64]
	}
	_ = s.Audit.Record(ctx, audit.Entry{Action: action, TargetType: targetType,
		TargetID: targetID, Detail: detail})
}

// SetStatus disables or enables an account, as an admin. A disabled
// account's tokens stop working at once and it cannot sign in; an admin
// cannot disable itself.
func (s *Service) SetStatus(ctx context.Context, caller auth.Principal, id int64,
	status string) (User, error) {
	if caller.UserID == id {
		return User{}, problem.New(problem.CodeInvalidTransition, problem.Text{
			ZH: "不能停用或启用自己的账号。", EN: "You cannot change your own account's status."})
	}
	var u User
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.SetStatus(ctx, id, status, s.Now().UTC()); err != nil {
			return err
		}
		action := map[string]string{StatusActive: "account.enable", StatusDisabled: "account.disable"}
		if err := s.Audit.Record(ctx, audit.Entry{Action: action[status], TargetType: "user",
			TargetID: strconv.FormatInt(id, 10)}); err != nil {
			return err
		}
		var err error
		u, err = s.Store.UserByID(ctx, id)
		return err
	})
	return u, err
}

func limited(code string, wait time.Duration) *problem.Error {
	p := problem.New(code, problem.Text{
		ZH: "尝试次数过多，请稍后再试。", EN: "Too many attempts; try again later."})
	if code == problem.CodeAccountLocked {
		p.Detail = problem.Text{ZH: "登录失败次数过多，账号已临时锁定，请稍后再试。",
			EN: "Too many failed sign-ins; the account is locked for a while."}
	}
	p.RetryAfter = wait
	return p
}

func badCredentials() *problem.Error {
	return problem.New(problem.CodeUnauthenticated, problem.Text{
		ZH: "用户名或密码错误。", EN: "Wrong login or password."})
}

func invalidRefresh() *problem.Error {
	return problem.New(problem.CodeUnauthenticated, problem.Text{
		ZH: "登录已失效，请重新登录。", EN: "The refresh token is not valid; sign in again."})
}

func disabled() *problem.Error {
	return problem.New(problem.CodeAccountDisabled, problem.Text{
		ZH: "账号已停用，请联系平台管理员。", EN: "This account is disabled."})
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("refresh token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func newFamily() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Staff is a reviewer or admin account made by an admin or by the
// command line.
type Staff struct {
	Role       auth.Role
	Username   string
	Email      string
	Password   string
	RegionCode string
}

// RegionFinder answers whether a code names any region of the tree.
type RegionFinder interface {
	RegionChecker
	Exists(code string) bool
}

// CreateStaff creates a reviewer, bound to a region of any level, or an
// admin. It returns the same problems as Register.
func (s *Service) CreateStaff(ctx context.Context, regions RegionFinder, st Staff) (User, error) {
	var fs []problem.Field
	if st.Role != auth.RoleReviewer && st.Role != auth.RoleAdmin {
		fs = append(fs, field("role", "oneof", "角色须为 reviewer 或 admin", "must be reviewer or admin"))
	}
	fs = append(fs, checkUsername(st.Username)...)
	fs = append(fs, checkPassword("password", st.Password, st.Username)...)
	fs = append(fs, checkEmail(st.Email)...)
	switch {
	case st.Role == auth.RoleReviewer && !regions.Exists(st.RegionCode):
		fs = append(fs, field("region_code", "region", "须为有效的行政区划代码",
			"must be the code of a region"))
	case st.Role == auth.RoleAdmin && st.RegionCode != "":
		fs = append(fs, field("region_code", "excluded", "管理员不绑定区域",
			"must be empty for an admin"))
	}
	if len(fs) > 0 {
		return User{}, problem.Validation(fs...)
	}

	hash, err := password.Hash(st.Password)
	if err != nil {
		return User{}, err
	}
	now := s.Now().UTC()
	u := User{Username: st.Username, Role: st.Role, Status: StatusActive,
		Email: normalizeEmail(st.Email), RegionCode: st.RegionCode, PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateUser(ctx, &u); err != nil {
		return User{}, fmt.Errorf("create %s: %w", st.Role, err)
	}
	s.record(ctx, "account.create", "user", strconv.FormatInt(u.ID, 10), string(st.Role))
	return u, nil
}

// UserByLogin finds a user by username, email or phone.
func (s *Service) UserByLogin(ctx context.Context, login string) (User, error) {
	return s.Store.UserByLogin(ctx, login)
}
