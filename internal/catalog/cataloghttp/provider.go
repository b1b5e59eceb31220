package cataloghttp

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/auth"
	"shangyun/internal/catalog"
	"shangyun/internal/files"
	"shangyun/internal/httpx"
	"shangyun/internal/problem"
)

// ProviderService is what the provider routes need of the catalog rules.
type ProviderService interface {
	OwnProducts(ctx context.Context, p auth.Principal, f catalog.ProductFilter) ([]catalog.Product, int64, error)
	OwnProduct(ctx context.Context, p auth.Principal, id int64) (catalog.Product, error)
	CreateProduct(ctx context.Context, p auth.Principal, in catalog.ProductChange) (catalog.Product, error)
	UpdateProduct(ctx context.Context, p auth.Principal, id int64, ch catalog.ProductChange) (catalog.Product, error)
	Publish(ctx context.Context, p auth.Principal, id int64) (catalog.Product, error)
	Unpublish(ctx context.Context, p auth.Principal, id int64) (catalog.Product, error)
	SetCover(ctx context.Context, p auth.Principal, id int64, f files.File) (catalog.Product, error)
	AddSpec(ctx context.Context, p auth.Principal, productID int64, ch catalog.SpecChange) (catalog.Spec, error)
	UpdateSpec(ctx context.Context, p auth.Principal, id int64, ch catalog.SpecChange) (catalog.Spec, error)
	DeactivateSpec(ctx context.Context, p auth.Principal, id int64) (catalog.Spec, error)
	AddAttachment(ctx context.Context, p auth.Principal, productID int64, f files.File) (catalog.Attachment, error)
	DeleteAttachment(ctx context.Context, p auth.Principal, id int64) error
	OwnProfile(ctx context.Context, id int64) (catalog.Provider, error)
	UpdateProfile(ctx context.Context, id int64, ch catalog.ProfileChange) (catalog.Provider, error)
	SetLogo(ctx context.Context, id int64, f files.File) (catalog.Provider, error)
}

// Uploads receives multipart forms.
type Uploads interface {
	ReadForm(ctx context.Context, r *http.Request, rules []files.Rule, uploader int64) (files.Form, error)
	Discard(ctx context.Context, fs ...files.File)
}

// Provider serves a provider's own products and profile.
type Provider struct {
	svc     ProviderService
	uploads Uploads
	v       *httpx.Validator
}

// NewProvider returns a Provider handler.
func NewProvider(svc ProviderService, uploads Uploads, v *httpx.Validator) *Provider {
	return &Provider{svc: svc, uploads: uploads, v: v}
}

// Routes registers the routes on prov, a group open to providers only.
func (h *Provider) Routes(prov *gin.RouterGroup, limits *httpx.BodyLimits) {
	prov.GET("/products", h.list)
	prov.POST("/products", h.create)
	prov.GET("/products/:id", h.get)
	prov.PATCH("/products/:id", h.update)
	prov.POST("/products/:id/publish", h.publish)
	prov.POST("/products/:id/unpublish", h.unpublish)
	prov.PUT("/products/:id/cover", h.cover)
	prov.POST("/products/:id/specs", h.addSpec)
	prov.PATCH("/specs/:id", h.updateSpec)
	prov.DELETE("/specs/:id", h.deactivateSpec)
	prov.POST("/products/:id/attachments", h.addAttachment)
	prov.DELETE("/attachments/:id", h.deleteAttachment)
	prov.GET("/profile", h.profile)
	prov.PATCH("/profile", h.updateProfile)
	prov.PUT("/profile/logo", h.logo)

	base := prov.BasePath()
	image := catalog.ImageRule().MaxBytes + 64<<10
	limits.Set(http.MethodPut, base+"/products/:id/cover", image)
	limits.Set(http.MethodPut, base+"/profile/logo", image)
	limits.Set(http.MethodPost, base+"/products/:id/attachments", catalog.AttachmentRule().MaxBytes+64<<10)
}

// upload reads the single file of a multipart form against rule.
func upload(c *gin.Context, u Uploads, rule files.Rule) (files.File, bool) {
	form, err := u.ReadForm(c.Request.Context(), c.Request, []files.Rule{rule}, httpx.Caller(c).UserID)
	if err == nil && form.Files[rule.Field].Key == "" {
		err = problem.Validation(problem.Field{Field: rule.Field, Code: "required",
			Message: problem.Text{ZH: "请选择要上传的文件", EN: "a file is required"}})
	}
	if err != nil {
		httpx.Fail(c, err)
		return files.File{}, false
	}
	return form.Files[rule.Field], true
}

// finish answers v, or the error; a failed upload's content is dropped.
func finish(c *gin.Context, u Uploads, f files.File, status int, v any, err error) {
	if err != nil {
		u.Discard(c.Request.Context(), f)
		httpx.Fail(c, err)
		return
	}
	c.JSON(status, v)
}

// list answers the provider's own products.
//
//	@Summary	The provider's products, in any status
//	@Tags		provider
//	@Produce	json
//	@Security	Bearer
//	@Param		category_id	query		int		false	"Only this category"	minimum(1)
//	@Param		q			query		string	false	"Part of the name or summary"
//	@Param		sort		query		string	false	"Order"	Enums(newest,price_asc,price_desc,rating)
//	@Param		page		query		int		false	"Page, from 1"		minimum(1)
//	@Param		page_size	query		int		false	"Items a page"	minimum(1)	maximum(100)
//	@Success	200			{object}	ProductPage
//	@Failure	401			{object}	httpx.Problem	"unauthenticated"
//	@Failure	403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	422			{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/provider/products [get]
func (h *Provider) list(c *gin.Context) {
	f, err := productFilter(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items, total, err := h.svc.OwnProducts(c.Request.Context(), httpx.Caller(c), f)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPage(items, f.Page.Page, f.Page.PageSize, total))
}

// create drafts a product.
//
//	@Summary		Draft a product
//	@Description	In a second-level category. Providers not approved yet may draft but
//	@Description	not publish.
//	@Tags			provider
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		ProductRequest	true	"The product"
//	@Success		201		{object}	ProductDetail
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/provider/products [post]
func (h *Provider) create(c *gin.Context) {
	var req ProductRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.CreateProduct(c.Request.Context(), httpx.Caller(c), catalog.ProductChange{
		CategoryID: &req.CategoryID, Name: &req.Name, Summary: &req.Summary,
		Description: &req.Description})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toDetail(p))
}

// get answers one of the provider's products.
//
//	@Summary	One of the provider's products, with every spec
//	@Tags		provider
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Product id"
//	@Success	200	{object}	ProductDetail
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found, also for other providers' products"
//	@Router		/api/v1/provider/products/{id} [get]
func (h *Provider) get(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.OwnProduct(c.Request.Context(), httpx.Caller(c), id)
		h.answer(c, p, err)
	}
}

func (h *Provider) answer(c *gin.Context, p catalog.Product, err error) {
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDetail(p))
}

// update edits a product.
//
//	@Summary	Edit a product
//	@Tags		provider
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		int				true	"Product id"
//	@Param		body	body		ProductPatch	true	"Fields to change"
//	@Success	200		{object}	ProductDetail
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/provider/products/{id} [patch]
func (h *Provider) update(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req ProductPatch
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.UpdateProduct(c.Request.Context(), httpx.Caller(c), id, catalog.ProductChange{
		CategoryID: req.CategoryID, Name: req.Name, Summary: req.Summary,
		Description: req.Description})
	h.answer(c, p, err)
}

// publish makes a product public.
//
//	@Summary		Publish a product
//	@Description	Needs an approved provider (409 provider_not_approved), a product not
//	@Description	held by an admin (409 unpublished_by_admin) and an active spec (422).
//	@Tags			provider
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"Product id"
//	@Success		200	{object}	ProductDetail
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found"
//	@Failure		409	{object}	httpx.Problem	"provider_not_approved, unpublished_by_admin"
//	@Failure		422	{object}	httpx.Problem	"validation_failed: no active spec"
//	@Router			/api/v1/provider/products/{id}/publish [post]
func (h *Provider) publish(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.Publish(c.Request.Context(), httpx.Caller(c), id)
		h.answer(c, p, err)
	}
}

// unpublish takes a product out of the catalog.
//
//	@Summary	Unpublish a product
//	@Tags		provider
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Product id"
//	@Success	200	{object}	ProductDetail
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/provider/products/{id}/unpublish [post]
func (h *Provider) unpublish(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.Unpublish(c.Request.Context(), httpx.Caller(c), id)
		h.answer(c, p, err)
	}
}

// cover uploads a product's cover image.
//
//	@Summary	Upload a product's cover image
//	@Tags		provider
//	@Accept		multipart/form-data
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		int		true	"Product id"
//	@Param		file	formData	file	true	"JPEG or PNG, 64 to 4096 pixels a side, 2 MB at most"
//	@Success	200		{object}	ProductDetail
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed, unsupported_file_type"
//	@Router		/api/v1/provider/products/{id}/cover [put]
func (h *Provider) cover(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	f, ok := upload(c, h.uploads, catalog.ImageRule())
	if !ok {
		return
	}
	p, err := h.svc.SetCover(c.Request.Context(), httpx.Caller(c), id, f)
	finish(c, h.uploads, f, http.StatusOK, toDetail(p), err)
}

// addSpec adds a spec.
//
//	@Summary	Add a spec (规格)
//	@Tags		provider
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		int			true	"Product id"
//	@Param		body	body		SpecRequest	true	"The spec; price in fen, positive"
//	@Success	201		{object}	SpecResponse
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/provider/products/{id}/specs [post]
func (h *Provider) addSpec(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req SpecRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	sp, err := h.svc.AddSpec(c.Request.Context(), httpx.Caller(c), id, catalog.SpecChange{
		Name: &req.Name, Description: &req.Description, PriceFen: &req.PriceFen,
		BillingUnit: &req.BillingUnit})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toSpec(sp))
}

// updateSpec edits a spec.
//
//	@Summary		Edit a spec
//	@Description	Prices change freely: orders keep the price they were placed at.
//	@Description	"active": true restores a deactivated spec.
//	@Tags			provider
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int			true	"Spec id"
//	@Param			body	body		SpecPatch	true	"Fields to change"
//	@Success		200		{object}	SpecResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/provider/specs/{id} [patch]
func (h *Provider) updateSpec(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req SpecPatch
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	sp, err := h.svc.UpdateSpec(c.Request.Context(), httpx.Caller(c), id, catalog.SpecChange{
		Name: req.Name, Description: req.Description, PriceFen: req.PriceFen,
		BillingUnit: req.BillingUnit, Active: req.Active})
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSpec(sp))
}

// deactivateSpec takes a spec off sale.
//
//	@Summary		Deactivate a spec
//	@Description	The spec is kept, inactive: carts show it unavailable, orders keep it.
//	@Tags			provider
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"Spec id"
//	@Success		200	{object}	SpecResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found"
//	@Router			/api/v1/provider/specs/{id} [delete]
func (h *Provider) deactivateSpec(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	sp, err := h.svc.DeactivateSpec(c.Request.Context(), httpx.Caller(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toSpec(sp))
}

// addAttachment uploads a product document.
//
//	@Summary		Upload an attachment (附件)
//	@Description	PDF, Word, Excel, PowerPoint, JPEG, PNG or ZIP by content, 20 MB at most.
//	@Tags			provider
//	@Accept			multipart/form-data
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int		true	"Product id"
//	@Param			file	formData	file	true	"The document"
//	@Success		201		{object}	AttachmentResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed, unsupported_file_type"
//	@Router			/api/v1/provider/products/{id}/attachments [post]
func (h *Provider) addAttachment(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	f, ok := upload(c, h.uploads, catalog.AttachmentRule())
	if !ok {
		return
	}
	a, err := h.svc.AddAttachment(c.Request.Context(), httpx.Caller(c), id, f)
	finish(c, h.uploads, f, http.StatusCreated, toAttachment(a), err)
}

// deleteAttachment removes a document.
//
//	@Summary	Delete an attachment
//	@Tags		provider
//	@Security	Bearer
//	@Param		id	path	int	true	"Attachment id"
//	@Success	204
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/provider/attachments/{id} [delete]
func (h *Provider) deleteAttachment(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	if err := h.svc.DeleteAttachment(c.Request.Context(), httpx.Caller(c), id); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// profile answers the provider's own profile.
//
//	@Summary	The provider's profile, with its approval status
//	@Tags		provider
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	ProviderResponse
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Router		/api/v1/provider/profile [get]
func (h *Provider) profile(c *gin.Context) {
	p, err := h.svc.OwnProfile(c.Request.Context(), httpx.Caller(c).UserID)
	h.answerProfile(c, p, err)
}

func (h *Provider) answerProfile(c *gin.Context, p catalog.Provider, err error) {
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toProvider(p, true))
}

// updateProfile edits the provider's public profile.
//
//	@Summary		Edit the provider's public profile
//	@Description	Company and contact names are edited through PATCH /api/v1/me.
//	@Tags			provider
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		ProfileRequest	true	"Fields to change"
//	@Success		200		{object}	ProviderResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/provider/profile [patch]
func (h *Provider) updateProfile(c *gin.Context) {
	var req ProfileRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.UpdateProfile(c.Request.Context(), httpx.Caller(c).UserID,
		catalog.ProfileChange{Description: req.Description, Website: req.Website})
	h.answerProfile(c, p, err)
}

// logo uploads the provider's logo.
//
//	@Summary	Upload the provider's logo
//	@Tags		provider
//	@Accept		multipart/form-data
//	@Produce	json
//	@Security	Bearer
//	@Param		file	formData	file	true	"JPEG or PNG, 64 to 4096 pixels a side, 2 MB at most"
//	@Success	200		{object}	ProviderResponse
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed, unsupported_file_type"
//	@Router		/api/v1/provider/profile/logo [put]
func (h *Provider) logo(c *gin.Context) {
	f, ok := upload(c, h.uploads, catalog.ImageRule())
	if !ok {
		return
	}
	p, err := h.svc.SetLogo(c.Request.Context(), httpx.Caller(c).UserID, f)
	finish(c, h.uploads, f, http.StatusOK, toProvider(p, true), err)
}
