package accountshttp

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/httpx"
	"shangyun/internal/problem"
)

// AdminService is what the admin handlers need of the account rules.
type AdminService interface {
	CreateStaff(ctx context.Context, regions accounts.RegionFinder, st accounts.Staff) (accounts.User, error)
	Users(ctx context.Context, f accounts.UserFilter) ([]accounts.User, int64, error)
	SetStatus(ctx context.Context, caller auth.Principal, id int64, status string) (accounts.User, error)
}

// Regions is what the admin handlers need of the region tree.
type Regions interface {
	accounts.RegionFinder
	Subtree(ancestor string) []string
}

// AdminHandler serves the user administration routes.
type AdminHandler struct {
	svc     AdminService
	regions Regions
	v       *httpx.Validator
}

// NewAdmin returns an AdminHandler.
func NewAdmin(svc AdminService, regions Regions, v *httpx.Validator) *AdminHandler {
	return &AdminHandler{svc: svc, regions: regions, v: v}
}

// Routes registers the routes on admin, a group open to admins only.
func (h *AdminHandler) Routes(admin *gin.RouterGroup) {
	admin.POST("/users", h.create)
	admin.GET("/users", h.list)
	admin.POST("/users/:id/disable", h.status(accounts.StatusDisabled))
	admin.POST("/users/:id/enable", h.status(accounts.StatusActive))
}

// status returns the handler that disables or enables an account.
//
//	@Summary		Disable or enable an account
//	@Description	A disabled account's tokens stop working at once (403
//	@Description	account_disabled) and it cannot sign in; its refresh tokens are
//	@Description	revoked. An admin cannot change its own account.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"User id"
//	@Success		200	{object}	UserResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found"
//	@Failure		409	{object}	httpx.Problem	"invalid_transition: one's own account"
//	@Router			/api/v1/admin/users/{id}/disable [post]
//	@Router			/api/v1/admin/users/{id}/enable [post]
func (h *AdminHandler) status(status string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := httpx.PathID(c, "id")
		if !ok {
			return
		}
		u, err := h.svc.SetStatus(c.Request.Context(), httpx.Caller(c), id, status)
		if err != nil {
			httpx.Fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toUser(u))
	}
}

// CreateUserRequest makes a reviewer or an admin.
type CreateUserRequest struct {
	Role     string `json:"role" validate:"required,oneof=reviewer admin" enums:"reviewer,admin"`
	Username string `json:"username" validate:"required,max=64" example:"zz_reviewer"`
	Email    string `json:"email" validate:"required,max=254" example:"review@zz.example.gov.cn"`
	Password string `json:"password" validate:"required,max=1024" example:"Shenhe2026zz"`
	// Required for reviewers: the region they review (province, city or
	// county); must be absent for admins.
	RegionCode string `json:"region_code" validate:"max=6" example:"410100"`
} // @name CreateUserRequest

// UserPage is a page of users.
type UserPage struct {
	Items    []UserResponse `json:"items" validate:"required"`
	Page     int            `json:"page" validate:"required"`
	PageSize int            `json:"page_size" validate:"required"`
	Total    int64          `json:"total" validate:"required"`
} // @name UserPage

// create makes a reviewer or an admin.
//
//	@Summary		Create a reviewer or an admin
//	@Description	A reviewer is bound to one region: a county reviews that county, a
//	@Description	city every county in it, the province everything.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		CreateUserRequest	true	"The new account"
//	@Success		201		{object}	UserResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		409		{object}	httpx.Problem	"username_taken, email_taken"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/users [post]
func (h *AdminHandler) create(c *gin.Context) {
	var req CreateUserRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	u, err := h.svc.CreateStaff(c.Request.Context(), h.regions, accounts.Staff{
		Role: auth.Role(req.Role), Username: req.Username, Email: req.Email,
		Password: req.Password, RegionCode: req.RegionCode,
	})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toUser(u))
}

// list finds users.
//
//	@Summary	Find users
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Param		role		query		string	false	"Only this role"	Enums(enterprise,provider,reviewer,admin)
//	@Param		q			query		string	false	"Part of the username, email, phone or company name"
//	@Param		status		query		string	false	"Only this account status"	Enums(active,disabled)
//	@Param		provider_status	query	string	false	"Providers in this approval state (the approval queue: pending)"	Enums(pending,approved,rejected)
//	@Param		region_code	query		string	false	"Only users in this region or below"
//	@Param		page		query		int		false	"Page, from 1"		minimum(1)
//	@Param		page_size	query		int		false	"Items a page"	minimum(1)	maximum(100)
//	@Success	200			{object}	UserPage
//	@Failure	401			{object}	httpx.Problem	"unauthenticated"
//	@Failure	403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	422			{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/admin/users [get]
func (h *AdminHandler) list(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	role := c.Query("role")
	if err == nil && role != "" && !auth.Role(role).Valid() {
		err = problem.Validation(problem.Field{Field: "role", Code: "oneof",
			Message: problem.Text{ZH: "角色取值无效", EN: "unknown role"}})
	}
	f := accounts.UserFilter{Role: role, Q: c.Query("q"), Page: page,
		Status: c.Query("status"), ProviderStatus: c.Query("provider_status")}
	if err == nil && f.Status != "" && f.Status != accounts.StatusActive &&
		f.Status != accounts.StatusDisabled {
		err = problem.Validation(problem.Field{Field: "status", Code: "oneof",
			Message: problem.Text{ZH: "状态取值无效", EN: "unknown status"}})
	}
	if err == nil && f.ProviderStatus != "" && f.ProviderStatus != accounts.ProviderPending &&
		f.ProviderStatus != accounts.ProviderApproved && f.ProviderStatus != accounts.ProviderRejected {
		err = problem.Validation(problem.Field{Field: "provider_status", Code: "oneof",
			Message: problem.Text{ZH: "审核状态取值无效", EN: "unknown approval state"}})
	}
	if code := c.Query("region_code"); err == nil && code != "" {
		if f.Regions = h.regions.Subtree(code); f.Regions == nil {
			err = problem.Validation(problem.Field{Field: "region_code", Code: "region",
				Message: problem.Text{ZH: "区域不存在", EN: "no such region"}})
		}
	}
	if err == nil && len(c.Query("q")) > 100 {
		err = problem.Validation(problem.Field{Field: "q", Code: "max",
			Message: problem.Text{ZH: "搜索词过长", EN: "too long"}})
	}
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	users, total, err := h.svc.Users(c.Request.Context(), f)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items := make([]UserResponse, len(users))
	for i, u := range users {
		items[i] = toUser(u)
	}
	c.JSON(http.StatusOK, UserPage{Items: items, Page: page.Page, PageSize: page.PageSize,
		Total: total})
}
