// Package accounts owns users and signing in: registration, passwords,
// access and refresh tokens, lockouts, and the profile a user edits. Its
// rules know nothing of HTTP or SQL; Store is what it needs of storage.
package accounts

import (
	"context"
	"time"

	"shangyun/internal/auth"
	"shangyun/internal/paging"
)

// Status of an account.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// Approval states of a provider.
const (
	ProviderPending  = "pending"
	ProviderApproved = "approved"
	ProviderRejected = "rejected"
)

// User is an account of any role.
type User struct {
	ID             int64
	Username       string
	Role           auth.Role
	Status         string
	Email          string
	Phone          string
	CompanyName    string
	ContactName    string
	RegionCode     string
	CreditCode     string
	ProviderStatus string
	PasswordHash   string
	// SessionVersion rises with every password change; tokens carry the
	// version they were issued under.
	SessionVersion int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ProfileChange is an edit of the basic profile; nil fields stay.
type ProfileChange struct {
	CompanyName *string
	ContactName *string
	Email       *string
	Phone       *string
	RegionCode  *string
}

// UserFilter selects users to list.
type UserFilter struct {
	Role   string
	Status string
	// ProviderStatus keeps providers in one approval state, for the
	// approval queue.
	ProviderStatus string
	// Regions keeps users placed in one of these regions; nil keeps all.
	Regions []string
	// Q matches part of the username, email, phone or company name.
	Q    string
	Page paging.Request
}

// RefreshToken is a stored refresh token. Only its hash is kept.
type RefreshToken struct {
	ID        int64
	UserID    int64
	Family    string
	Hash      string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
	CreatedAt time.Time
}

// Store is what accounts needs of storage. Methods return problem errors
// for what a client may see: not_found, username_taken, email_taken,
// phone_taken.
type Store interface {
	CreateUser(ctx context.Context, u *User) error
	UserByID(ctx context.Context, id int64) (User, error)
	// Session reads what checking an access token needs of a user: its id,
	// role, status, session version and region; not_found when it is gone.
	Session(ctx context.Context, id int64) (User, error)
	// UserByLogin finds a user by username (ignoring case), email or phone.
	UserByLogin(ctx context.Context, login string) (User, error)
	UpdateProfile(ctx context.Context, id int64, ch ProfileChange) (User, error)
	// SetPassword stores a new hash, raises the session version and
	// revokes every refresh token of the user, in one transaction.
	SetPassword(ctx context.Context, id int64, hash string, now time.Time) error
	// Lock returns the user and holds its row until the transaction in ctx
	// ends, so that changes to one account happen one at a time.
	Lock(ctx context.Context, id int64) (User, error)
	// SetCertified writes an approved certification's company name and
	// credit code into the profile; credit_code_taken when another account
	// holds the code.
	SetCertified(ctx context.Context, id int64, company, creditCode string) error
	// SetStatus enables or disables an account; disabling also revokes
	// every refresh token and raises the session version, so that no
	// token issued before outlives it. not_found when there is no such
	// account.
	SetStatus(ctx context.Context, id int64, status string, at time.Time) error
	// List returns a page of users matching f, and how many match.
	List(ctx context.Context, f UserFilter) ([]User, int64, error)

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// UseRefreshToken marks the token with hash as used, if it was neither
	// used nor revoked, and returns it as it was before. It returns
	// ErrTokenReused when it had been used or revoked already, and a
	// not_found problem when no token has that hash.
	UseRefreshToken(ctx context.Context, hash string, now time.Time) (RefreshToken, error)
	RevokeFamily(ctx context.Context, family string, now time.Time) error
}
