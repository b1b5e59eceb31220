package cataloghttp

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/catalog"
	"shangyun/internal/files"
	"shangyun/internal/httpx"
)

// AdminService is what the admin routes need of the catalog rules.
type AdminService interface {
	CreateCategory(ctx context.Context, in catalog.NewCategory) (catalog.Category, error)
	UpdateCategory(ctx context.Context, id int64, ch catalog.CategoryChange) (catalog.Category, error)
	DeleteCategory(ctx context.Context, id int64) error
	SetCategoryImage(ctx context.Context, id int64, f files.File) (catalog.Category, error)
	ApproveProvider(ctx context.Context, id int64) (catalog.Provider, error)
	RejectProvider(ctx context.Context, id int64, reason string) (catalog.Provider, error)
	AdminUnpublish(ctx context.Context, id int64, reason string) (catalog.Product, error)
	Unblock(ctx context.Context, id int64) (catalog.Product, error)
}

// Admin serves the admin's catalog routes.
type Admin struct {
	svc     AdminService
	uploads Uploads
	v       *httpx.Validator
}

// NewAdmin returns an Admin handler.
func NewAdmin(svc AdminService, uploads Uploads, v *httpx.Validator) *Admin {
	return &Admin{svc: svc, uploads: uploads, v: v}
}

// Routes registers the routes on admin, a group open to admins only.
func (h *Admin) Routes(admin *gin.RouterGroup, limits *httpx.BodyLimits) {
	admin.POST("/categories", h.createCategory)
	admin.PATCH("/categories/:id", h.updateCategory)
	admin.DELETE("/categories/:id", h.deleteCategory)
	admin.PUT("/categories/:id/image", h.categoryImage)
	admin.POST("/providers/:id/approve", h.approveProvider)
	admin.POST("/providers/:id/reject", h.rejectProvider)
	admin.POST("/products/:id/unpublish", h.unpublish)
	admin.POST("/products/:id/unblock", h.unblock)
	limits.Set(http.MethodPut, admin.BasePath()+"/categories/:id/image",
		catalog.ImageRule().MaxBytes+64<<10)
}

// createCategory adds a category.
//
//	@Summary		Create a category
//	@Description	Top-level without parent_id, else under a top-level category: the
//	@Description	tree has two levels, and products go in the second.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		CategoryRequest	true	"The category"
//	@Success		201		{object}	CategoryNode
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/categories [post]
func (h *Admin) createCategory(c *gin.Context) {
	var req CategoryRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	cat, err := h.svc.CreateCategory(c.Request.Context(), catalog.NewCategory{
		ParentID: req.ParentID, Name: req.Name, Introduction: req.Introduction,
		SortOrder: req.SortOrder})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toNode(cat))
}

// updateCategory edits a category.
//
//	@Summary	Edit a category
//	@Tags		admin
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		int				true	"Category id"
//	@Param		body	body		CategoryPatch	true	"Fields to change"
//	@Success	200		{object}	CategoryNode
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/admin/categories/{id} [patch]
func (h *Admin) updateCategory(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req CategoryPatch
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	cat, err := h.svc.UpdateCategory(c.Request.Context(), id, catalog.CategoryChange{
		Name: req.Name, Introduction: req.Introduction, SortOrder: req.SortOrder})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toNode(cat))
}

// deleteCategory removes an unused category.
//
//	@Summary	Delete a category without subcategories or products
//	@Tags		admin
//	@Security	Bearer
//	@Param		id	path	int	true	"Category id"
//	@Success	204
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Failure	409	{object}	httpx.Problem	"invalid_transition: still in use"
//	@Router		/api/v1/admin/categories/{id} [delete]
func (h *Admin) deleteCategory(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	if err := h.svc.DeleteCategory(c.Request.Context(), id); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// categoryImage uploads a category's image.
//
//	@Summary	Upload a category's image
//	@Tags		admin
//	@Accept		multipart/form-data
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		int		true	"Category id"
//	@Param		file	formData	file	true	"JPEG or PNG, 64 to 4096 pixels a side, 2 MB at most"
//	@Success	200		{object}	CategoryNode
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed, unsupported_file_type"
//	@Router		/api/v1/admin/categories/{id}/image [put]
func (h *Admin) categoryImage(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	f, ok := upload(c, h.uploads, catalog.ImageRule())
	if !ok {
		return
	}
	cat, err := h.svc.SetCategoryImage(c.Request.Context(), id, f)
	finish(c, h.uploads, f, http.StatusOK, toNode(cat), err)
}

// approveProvider lets a provider publish.
//
//	@Summary		Approve a provider
//	@Description	The provider is mailed. Approving an approved provider is 409.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"Provider (user) id"
//	@Success		200	{object}	ProviderResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found"
//	@Failure		409	{object}	httpx.Problem	"invalid_transition"
//	@Router			/api/v1/admin/providers/{id}/approve [post]
func (h *Admin) approveProvider(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.ApproveProvider(c.Request.Context(), id)
		answerProvider(c, p, err)
	}
}

func answerProvider(c *gin.Context, p catalog.Provider, err error) {
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toProvider(p, true))
}

// rejectProvider refuses or withdraws a provider's approval.
//
//	@Summary		Reject a provider
//	@Description	With a reason the provider is mailed; its products leave the catalog.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int				true	"Provider (user) id"
//	@Param			body	body		ReasonRequest	true	"Why"
//	@Success		200		{object}	ProviderResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		409		{object}	httpx.Problem	"invalid_transition"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/providers/{id}/reject [post]
func (h *Admin) rejectProvider(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req ReasonRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.RejectProvider(c.Request.Context(), id, req.Reason)
	answerProvider(c, p, err)
}

// unpublish takes any product out of the catalog.
//
//	@Summary		Unpublish a product as an admin
//	@Description	With a reason, recorded in the audit log. The provider cannot publish
//	@Description	it again (409 unpublished_by_admin) until an admin unblocks it.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int				true	"Product id"
//	@Param			body	body		ReasonRequest	true	"Why"
//	@Success		200		{object}	ProductDetail
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/products/{id}/unpublish [post]
func (h *Admin) unpublish(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req ReasonRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.AdminUnpublish(c.Request.Context(), id, req.Reason)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDetail(p))
}

// unblock lets the provider publish the product again.
//
//	@Summary	Allow an admin-unpublished product to be published again
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Product id"
//	@Success	200	{object}	ProductDetail
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Failure	409	{object}	httpx.Problem	"invalid_transition: not held by an admin"
//	@Router		/api/v1/admin/products/{id}/unblock [post]
func (h *Admin) unblock(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.Unblock(c.Request.Context(), id)
		if err != nil {
			httpx.Fail(c, err)
			return
		}
		c.JSON(http.StatusOK, toDetail(p))
	}
}
