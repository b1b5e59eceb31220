// Package accountshttp serves registration, sign-in and the profile over
// HTTP.
package accountshttp

import (
	"time"

	"shangyun/internal/accounts"
)

// RegisterRequest is a self-registration.
type RegisterRequest struct {
	AccountType string `json:"account_type" validate:"required,oneof=enterprise provider" enums:"enterprise,provider"`
	Username    string `json:"username" validate:"required,max=64" example:"henan_cloud_01"`
	Password    string `json:"password" validate:"required,max=1024" example:"Yun2026henan"`
	Email       string `json:"email" validate:"required,max=254" example:"it@example.com"`
	Phone       string `json:"phone" validate:"required,max=32" example:"13800138000"`
	CompanyName string `json:"company_name" validate:"required,max=200" example:"郑州示例科技有限公司"`
	ContactName string `json:"contact_name" validate:"required,max=100" example:"张三"`
	// A county code; optional for providers.
	RegionCode string `json:"region_code" validate:"max=6" example:"410102"`
} // @name RegisterRequest

// LoginRequest signs in by username, email or phone.
type LoginRequest struct {
	Login    string `json:"login" validate:"required,max=254" example:"henan_cloud_01"`
	Password string `json:"password" validate:"required,max=1024" example:"Yun2026henan"`
} // @name LoginRequest

// RefreshRequest carries a refresh token.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token" validate:"required,max=512"`
} // @name RefreshRequest

// ProfileRequest edits the basic profile; absent fields stay.
type ProfileRequest struct {
	CompanyName *string `json:"company_name" validate:"omitempty,max=200"`
	ContactName *string `json:"contact_name" validate:"omitempty,max=100"`
	Email       *string `json:"email" validate:"omitempty,max=254"`
	Phone       *string `json:"phone" validate:"omitempty,max=32"`
	RegionCode  *string `json:"region_code" validate:"omitempty,max=6"`
} // @name ProfileRequest

// PasswordRequest changes the password.
type PasswordRequest struct {
	OldPassword     string `json:"old_password" validate:"required,max=1024"`
	NewPassword     string `json:"new_password" validate:"required,max=1024"`
	ConfirmPassword string `json:"confirm_password" validate:"required,max=1024"`
} // @name PasswordRequest

// UserResponse is a user as clients see it.
type UserResponse struct {
	ID          int64   `json:"id" validate:"required" example:"1"`
	Username    string  `json:"username" validate:"required" example:"henan_cloud_01"`
	Role        string  `json:"role" validate:"required" enums:"enterprise,provider,reviewer,admin"`
	Email       string  `json:"email" validate:"required" example:"it@example.com"`
	Phone       *string `json:"phone" validate:"required" extensions:"x-nullable" example:"13800138000"`
	CompanyName string  `json:"company_name" validate:"required" example:"郑州示例科技有限公司"`
	ContactName string  `json:"contact_name" validate:"required" example:"张三"`
	RegionCode  *string `json:"region_code" validate:"required" extensions:"x-nullable" example:"410102"`
	// For providers: pending, approved or rejected; null for other roles.
	ProviderStatus *string   `json:"provider_status" validate:"required" extensions:"x-nullable"`
	Status         string    `json:"status" validate:"required" enums:"active,disabled"`
	CreatedAt      time.Time `json:"created_at" validate:"required"`
} // @name User

// PromptResponse tells the client what to show next.
type PromptResponse struct {
	Code     string `json:"code" validate:"required" enums:"certification_required,certification_rejected,certification_pending,certification_invalidated,benefit_offer"`
	Message  string `json:"message" validate:"required"`
	PolicyID *int64 `json:"policy_id,omitempty" example:"3"`
} // @name Prompt

// SessionResponse answers a sign-in or a refresh.
type SessionResponse struct {
	AccessToken  string           `json:"access_token" validate:"required"`
	RefreshToken string           `json:"refresh_token" validate:"required"`
	TokenType    string           `json:"token_type" validate:"required" example:"Bearer"`
	ExpiresIn    int              `json:"expires_in" validate:"required" example:"900"`
	User         UserResponse     `json:"user" validate:"required"`
	Prompts      []PromptResponse `json:"prompts" validate:"required"`
} // @name Session

// CertificationSummary is the state of the latest certification.
type CertificationSummary struct {
	ID     int64   `json:"id" validate:"required"`
	Status string  `json:"status" validate:"required" enums:"pending,approved,rejected,invalidated"`
	Reason *string `json:"reason" validate:"required" extensions:"x-nullable"`
} // @name CertificationSummary

// BenefitCounts counts subsidy offers by state.
type BenefitCounts struct {
	Offers   int `json:"offers" validate:"required"`
	Claimed  int `json:"claimed" validate:"required"`
	Declined int `json:"declined" validate:"required"`
} // @name BenefitCounts

// MeResponse is the signed-in user with its summary.
type MeResponse struct {
	UserResponse
	Certification *CertificationSummary `json:"certification" validate:"required" extensions:"x-nullable"`
	Benefits      BenefitCounts         `json:"benefits" validate:"required"`
	Prompts       []PromptResponse      `json:"prompts" validate:"required"`
} // @name Me

// ProfileResponse answers a profile edit.
type ProfileResponse struct {
	MeResponse
	// True when the edit moved the enterprise to another city while its
	// certification was pending: it must submit again.
	CertificationInvalidated bool `json:"certification_invalidated" validate:"required"`
} // @name ProfileUpdate

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toUser(u accounts.User) UserResponse {
	return UserResponse{
		ID: u.ID, Username: u.Username, Role: string(u.Role), Email: u.Email,
		Phone: optional(u.Phone), CompanyName: u.CompanyName, ContactName: u.ContactName,
		RegionCode: optional(u.RegionCode), ProviderStatus: optional(u.ProviderStatus),
		Status: u.Status, CreatedAt: u.CreatedAt.UTC(),
	}
}

func toPrompts(ps []accounts.Prompt) []PromptResponse {
	out := make([]PromptResponse, len(ps))
	for i, p := range ps {
		out[i] = PromptResponse{Code: p.Code, Message: p.Message}
		if p.PolicyID != 0 {
			id := p.PolicyID
			out[i].PolicyID = &id
		}
	}
	return out
}

func toMe(u accounts.User, s accounts.Summary) MeResponse {
	me := MeResponse{
		UserResponse: toUser(u),
		Benefits: BenefitCounts{Offers: s.Benefits.Offers, Claimed: s.Benefits.Claimed,
			Declined: s.Benefits.Declined},
		Prompts: toPrompts(s.Prompts),
	}
	if c := s.Certification; c != nil {
		me.Certification = &CertificationSummary{ID: c.ID, Status: c.Status,
			Reason: optional(c.Reason)}
	}
	return me
}

func toSession(s accounts.Session) SessionResponse {
	return SessionResponse{
		AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, TokenType: "Bearer",
		ExpiresIn: s.ExpiresIn, User: toUser(s.User), Prompts: toPrompts(s.Summary.Prompts),
	}
}
