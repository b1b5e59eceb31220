package accountshttp

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/accounts"
	"shangyun/internal/httpx"
)

// Service is what the handlers need of the account rules.
type Service interface {
	Register(ctx context.Context, r accounts.Registration) (accounts.User, error)
	Login(ctx context.Context, login, password, addr, lang string) (accounts.Session, error)
	Refresh(ctx context.Context, raw, lang string) (accounts.Session, error)
	Logout(ctx context.Context, raw string) error
	Me(ctx context.Context, id int64, lang string) (accounts.User, accounts.Summary, error)
	UpdateProfile(ctx context.Context, id int64, ch accounts.ProfileChange) (accounts.User, bool, error)
	ChangePassword(ctx context.Context, id int64, old, next, confirm string) error
}

// Handler serves the account routes.
type Handler struct {
	svc Service
	v   *httpx.Validator
}

// New returns a Handler.
func New(svc Service, v *httpx.Validator) *Handler {
	return &Handler{svc: svc, v: v}
}

// Routes registers the public routes on pub and the signed-in ones on
// signed.
func (h *Handler) Routes(pub, signed *gin.RouterGroup) {
	pub.POST("/auth/register", h.register)
	pub.POST("/auth/login", h.login)
	pub.POST("/auth/refresh", h.refresh)
	pub.POST("/auth/logout", h.logout)
	signed.GET("/me", h.me)
	signed.PATCH("/me", h.updateProfile)
	signed.PUT("/me/password", h.changePassword)
}

// register creates an account.
//
//	@Summary		Register an enterprise or provider account
//	@Description	Enterprises are active at once; providers wait for an admin's approval
//	@Description	before they can publish. Answers the user, without tokens: sign in next.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		RegisterRequest	true	"The new account"
//	@Success		201		{object}	UserResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		409		{object}	httpx.Problem	"username_taken, email_taken, phone_taken"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/auth/register [post]
func (h *Handler) register(c *gin.Context) {
	var req RegisterRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	u, err := h.svc.Register(c.Request.Context(), accounts.Registration{
		AccountType: req.AccountType, Username: req.Username, Password: req.Password,
		Email: req.Email, Phone: req.Phone, CompanyName: req.CompanyName,
		ContactName: req.ContactName, RegionCode: req.RegionCode,
	})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUser(u))
}

// login signs in.
//
//	@Summary		Sign in
//	@Description	login is a username (any case), an email or a phone number. Repeated
//	@Description	failures lock the account for a while (429 account_locked), and each
//	@Description	client address has a limit too (429 rate_limited); both set Retry-After.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		LoginRequest	true	"Credentials"
//	@Success		200		{object}	SessionResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated: wrong login or password"
//	@Failure		403		{object}	httpx.Problem	"account_disabled"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Failure		429		{object}	httpx.Problem	"account_locked, rate_limited"
//	@Router			/api/v1/auth/login [post]
func (h *Handler) login(c *gin.Context) {
	var req LoginRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	s, err := h.svc.Login(c.Request.Context(), req.Login, req.Password, c.ClientIP(), httpx.Lang(c))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSession(s))
}

// refresh rotates a refresh token.
//
//	@Summary		Trade a refresh token for a new pair
//	@Description	Each refresh token works once. Presenting one a second time revokes
//	@Description	every token descended from the same sign-in.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body	body		RefreshRequest	true	"The refresh token"
//	@Success		200		{object}	SessionResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"account_disabled"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/auth/refresh [post]
func (h *Handler) refresh(c *gin.Context) {
	var req RefreshRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	s, err := h.svc.Refresh(c.Request.Context(), req.RefreshToken, httpx.Lang(c))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSession(s))
}

// logout ends a sign-in.
//
//	@Summary		Sign out
//	@Description	Revokes the refresh token and every token of the same sign-in. The
//	@Description	access token lapses by itself within minutes.
//	@Tags			auth
//	@Accept			json
//	@Param			body	body	RefreshRequest	true	"The refresh token"
//	@Success		204
//	@Failure		400	{object}	httpx.Problem	"malformed_body"
//	@Failure		413	{object}	httpx.Problem	"payload_too_large"
//	@Failure		422	{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/auth/logout [post]
func (h *Handler) logout(c *gin.Context) {
	var req RefreshRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	if err := h.svc.Logout(c.Request.Context(), req.RefreshToken); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// me answers the signed-in user.
//
//	@Summary		The signed-in user
//	@Description	The profile with the certification summary, benefit counts and the
//	@Description	prompts the client should show.
//	@Tags			me
//	@Produce		json
//	@Security		Bearer
//	@Success		200	{object}	MeResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"account_disabled"
//	@Router			/api/v1/me [get]
func (h *Handler) me(c *gin.Context) {
	u, sum, err := h.svc.Me(c.Request.Context(), httpx.Caller(c).UserID, httpx.Lang(c))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toMe(u, sum))
}

// updateProfile edits the basic profile.
//
//	@Summary		Edit the basic profile
//	@Description	Enterprises may edit every field until certified; then company name
//	@Description	and region are locked (409 profile_locked). Reviewers and admins may
//	@Description	edit contact name, email and phone only.
//	@Tags			me
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		ProfileRequest	true	"Fields to change"
//	@Success		200		{object}	ProfileResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"account_disabled"
//	@Failure		409		{object}	httpx.Problem	"email_taken, phone_taken, profile_locked"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/me [patch]
func (h *Handler) updateProfile(c *gin.Context) {
	var req ProfileRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	ctx, id := c.Request.Context(), httpx.Caller(c).UserID
	_, invalidated, err := h.svc.UpdateProfile(ctx, id, accounts.ProfileChange{
		CompanyName: req.CompanyName, ContactName: req.ContactName, Email: req.Email,
		Phone: req.Phone, RegionCode: req.RegionCode,
	})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	u, sum, err := h.svc.Me(ctx, id, httpx.Lang(c))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ProfileResponse{MeResponse: toMe(u, sum),
		CertificationInvalidated: invalidated})
}

// changePassword replaces the password.
//
//	@Summary		Change the password
//	@Description	Every refresh token and every access token issued before the change
//	@Description	stops working: the user signs in again.
//	@Tags			me
//	@Accept			json
//	@Security		Bearer
//	@Param			body	body	PasswordRequest	true	"Old and new password"
//	@Success		204
//	@Failure		400	{object}	httpx.Problem	"malformed_body"
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"account_disabled"
//	@Failure		413	{object}	httpx.Problem	"payload_too_large"
//	@Failure		422	{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/me/password [put]
func (h *Handler) changePassword(c *gin.Context) {
	var req PasswordRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	err := h.svc.ChangePassword(c.Request.Context(), httpx.Caller(c).UserID,
		req.OldPassword, req.NewPassword, req.ConfirmPassword)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
