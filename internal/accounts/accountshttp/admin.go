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
}

// AdminHandler serves the user administration routes.
type AdminHandler struct {
	svc     AdminService
	regions accounts.RegionFinder
	v       *httpx.Validator
}

// NewAdmin returns an AdminHandler.
func NewAdmin(svc AdminService, regions accounts.RegionFinder, v *httpx.Validator) *AdminHandler {
	return &AdminHandler{svc: svc, regions: regions, v: v}
}

// Routes registers the routes on admin, a group open to admins only.
func (h *AdminHandler) Routes(admin *gin.RouterGroup) {
	admin.POST("/users", h.create)
	admin.GET("/users", h.list)
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
	if err == nil && len(c.Query("q")) > 100 {
		err = problem.Validation(problem.Field{Field: "q", Code: "max",
			Message: problem.Text{ZH: "搜索词过长", EN: "too long"}})
	}
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	users, total, err := h.svc.Users(c.Request.Context(),
		accounts.UserFilter{Role: role, Q: c.Query("q"), Page: page})
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
