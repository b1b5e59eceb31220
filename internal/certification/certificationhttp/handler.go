package certificationhttp

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/auth"
	"shangyun/internal/certification"
	"shangyun/internal/files"
	"shangyun/internal/httpx"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// Service is what the handlers need of the certification rules.
type Service interface {
	Submit(ctx context.Context, enterpriseID int64, s certification.Submission) (certification.Certification, error)
	Current(ctx context.Context, enterpriseID int64) (certification.Certification, error)
	History(ctx context.Context, enterpriseID int64, p paging.Request) ([]certification.Certification, int64, error)
	Queue(ctx context.Context, p auth.Principal, status, region string,
		pg paging.Request) ([]certification.Certification, int64, error)
	ForReview(ctx context.Context, p auth.Principal, id int64) (certification.Certification, error)
	Image(ctx context.Context, p auth.Principal, id int64, kind string) (files.File, io.ReadCloser, error)
	Approve(ctx context.Context, p auth.Principal, id int64) (certification.Certification, error)
	Reject(ctx context.Context, p auth.Principal, id int64, reason string) (certification.Certification, error)
}

// Uploads receives multipart forms.
type Uploads interface {
	ReadForm(ctx context.Context, r *http.Request, rules []files.Rule, uploader int64) (files.Form, error)
	Discard(ctx context.Context, fs ...files.File)
}

// Handler serves the certification routes.
type Handler struct {
	svc     Service
	uploads Uploads
	v       *httpx.Validator
}

// New returns a Handler.
func New(svc Service, uploads Uploads, v *httpx.Validator) *Handler {
	return &Handler{svc: svc, uploads: uploads, v: v}
}

// Routes registers the routes: requirements for anyone, submission and
// history for enterprises, the review routes for reviewers and admins.
func (h *Handler) Routes(pub, signed *gin.RouterGroup, limits *httpx.BodyLimits) {
	pub.GET("/certifications/requirements", h.requirements)

	ent := signed.Group("", httpx.RequireRole(auth.RoleEnterprise))
	ent.POST("/certifications", h.submit)
	limits.Set(http.MethodPost, ent.BasePath()+"/certifications", certification.FormLimit())
	ent.GET("/certifications/current", h.current)
	ent.GET("/certifications", h.history)

	rev := signed.Group("/review", httpx.RequireRole(auth.RoleReviewer, auth.RoleAdmin))
	rev.GET("/certifications", h.queue)
	rev.GET("/certifications/:id", h.review)
	rev.GET("/certifications/:id/files/:kind", h.image)
	rev.POST("/certifications/:id/approve", h.approve)
	rev.POST("/certifications/:id/reject", h.reject)
}

// requirements publishes the upload rules the server enforces.
//
//	@Summary		Certification upload rules
//	@Description	The formats, size and pixel limits of each image, exactly as enforced,
//	@Description	and hints to show under the form.
//	@Tags			certification
//	@Produce		json
//	@Success		200	{object}	Requirements
//	@Router			/api/v1/certifications/requirements [get]
func (h *Handler) requirements(c *gin.Context) {
	lang := httpx.Lang(c)
	out := Requirements{Hints: certification.Hints(lang)}
	for _, r := range certification.ImageRules() {
		out.Images = append(out.Images, ImageRequirement{
			Field: r.Field, Label: r.Label.In(lang), Formats: r.Types, MaxBytes: r.MaxBytes,
			MinWidth: r.MinWidth, MinHeight: r.MinHeight, MaxWidth: r.MaxWidth,
			MaxHeight: r.MaxHeight,
		})
	}
	c.JSON(http.StatusOK, out)
}

// submit records a certification.
//
//	@Summary		Submit a certification
//	@Description	Multipart form with the text fields and three images, JPEG or PNG by
//	@Description	content. Starts pending; the county or city reviewers decide. One
//	@Description	pending or approved certification at a time (409 invalid_transition).
//	@Tags			certification
//	@Accept			multipart/form-data
//	@Produce		json
//	@Security		Bearer
//	@Param			company_name					formData	string	true	"Company name as on the licence"
//	@Param			unified_social_credit_code		formData	string	true	"18 characters, GB 32100"
//	@Param			legal_representative			formData	string	true	"Legal representative"
//	@Param			legal_representative_id_number	formData	string	true	"18 characters, GB 11643"
//	@Param			business_license				formData	file	true	"Business licence image"
//	@Param			id_card_front					formData	file	true	"ID card, photo side"
//	@Param			id_card_back					formData	file	true	"ID card, emblem side"
//	@Success		201	{object}	CertificationResponse
//	@Failure		400	{object}	httpx.Problem	"malformed_body"
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		409	{object}	httpx.Problem	"invalid_transition, credit_code_taken"
//	@Failure		413	{object}	httpx.Problem	"payload_too_large"
//	@Failure		422	{object}	httpx.Problem	"validation_failed, unsupported_file_type"
//	@Router			/api/v1/certifications [post]
func (h *Handler) submit(c *gin.Context) {
	ctx, me := c.Request.Context(), httpx.Caller(c).UserID
	form, err := h.uploads.ReadForm(ctx, c.Request, certification.ImageRules(), me)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	v := form.Values
	cert, err := h.svc.Submit(ctx, me, certification.Submission{
		CompanyName: v["company_name"], CreditCode: v["unified_social_credit_code"],
		LegalRepresentative: v["legal_representative"],
		LegalRepID:          v["legal_representative_id_number"], Images: form.Files,
	})
	if err != nil {
		for _, f := range form.Files {
			h.uploads.Discard(ctx, f)
		}
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toResponse(cert, false))
}

// current answers the newest certification.
//
//	@Summary	The enterprise's newest certification
//	@Tags		certification
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	CertificationResponse
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found: none submitted yet"
//	@Router		/api/v1/certifications/current [get]
func (h *Handler) current(c *gin.Context) {
	cert, err := h.svc.Current(c.Request.Context(), httpx.Caller(c).UserID)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toResponse(cert, false))
}

// history answers every certification of the enterprise.
//
//	@Summary	The enterprise's certifications, newest first
//	@Tags		certification
//	@Produce	json
//	@Security	Bearer
//	@Param		page		query		int	false	"Page, from 1"		minimum(1)
//	@Param		page_size	query		int	false	"Items a page"	minimum(1)	maximum(100)
//	@Success	200			{object}	CertificationPage
//	@Failure	401			{object}	httpx.Problem	"unauthenticated"
//	@Failure	403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	422			{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/certifications [get]
func (h *Handler) history(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	list, total, err := h.svc.History(c.Request.Context(), httpx.Caller(c).UserID, page)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items := make([]CertificationResponse, len(list))
	for i, cert := range list {
		items[i] = toResponse(cert, false)
	}
	c.JSON(http.StatusOK, CertificationPage{Items: items, Page: page.Page,
		PageSize: page.PageSize, Total: total})
}

var statuses = map[string]bool{"": true, certification.StatusPending: true,
	certification.StatusApproved: true, certification.StatusRejected: true,
	certification.StatusInvalidated: true}

// queue lists certifications in the reviewer's region.
//
//	@Summary		Review queue
//	@Description	Certifications of enterprises in the caller's region (admins: all),
//	@Description	newest first. A region_code outside the caller's region is 404.
//	@Tags			review
//	@Produce		json
//	@Security		Bearer
//	@Param			status		query		string	false	"Only this status"	Enums(pending,approved,rejected,invalidated)
//	@Param			region_code	query		string	false	"Only this region and below"
//	@Param			page		query		int		false	"Page, from 1"		minimum(1)
//	@Param			page_size	query		int		false	"Items a page"	minimum(1)	maximum(100)
//	@Success		200			{object}	ReviewPage
//	@Failure		401			{object}	httpx.Problem	"unauthenticated"
//	@Failure		403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404			{object}	httpx.Problem	"not_found: region outside the caller's"
//	@Failure		422			{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/review/certifications [get]
func (h *Handler) queue(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err == nil && !statuses[c.Query("status")] {
		err = problem.Validation(problem.Field{Field: "status", Code: "oneof",
			Message: problem.Text{ZH: "状态取值无效", EN: "unknown status"}})
	}
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	list, total, err := h.svc.Queue(c.Request.Context(), httpx.Caller(c), c.Query("status"),
		c.Query("region_code"), page)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items := make([]ReviewResponse, len(list))
	for i, cert := range list {
		items[i] = toReview(cert)
	}
	c.JSON(http.StatusOK, ReviewPage{Items: items, Page: page.Page, PageSize: page.PageSize,
		Total: total})
}

// review answers one certification.
//
//	@Summary	A certification under review
//	@Tags		review
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Certification id"
//	@Success	200	{object}	ReviewResponse
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found, or outside the caller's region"
//	@Router		/api/v1/review/certifications/{id} [get]
func (h *Handler) review(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	cert, err := h.svc.ForReview(c.Request.Context(), httpx.Caller(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReview(cert))
}

// image downloads one image of a certification.
//
//	@Summary	An image of a certification under review
//	@Tags		review
//	@Produce	jpeg,png
//	@Security	Bearer
//	@Param		id		path		int		true	"Certification id"
//	@Param		kind	path		string	true	"Which image"	Enums(business_license,id_card_front,id_card_back)
//	@Success	200		{file}		file
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found, or outside the caller's region"
//	@Router		/api/v1/review/certifications/{id}/files/{kind} [get]
func (h *Handler) image(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	f, rc, err := h.svc.Image(c.Request.Context(), httpx.Caller(c), id, c.Param("kind"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	defer func() { _ = rc.Close() }()
	_ = files.Serve(c.Writer, f, rc)
}

// approve approves a pending certification.
//
//	@Summary		Approve a certification
//	@Description	Only pending ones; of two decisions at once exactly one wins and the
//	@Description	other gets 409 already_decided. The enterprise is mailed.
//	@Tags			review
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"Certification id"
//	@Success		200	{object}	ReviewResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found, or outside the caller's region"
//	@Failure		409	{object}	httpx.Problem	"already_decided, credit_code_taken"
//	@Router			/api/v1/review/certifications/{id}/approve [post]
func (h *Handler) approve(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	cert, err := h.svc.Approve(c.Request.Context(), httpx.Caller(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReview(cert))
}

// reject rejects a pending certification.
//
//	@Summary		Reject a certification
//	@Description	Only pending ones, with a reason the enterprise reads (2–500
//	@Description	characters). The enterprise is mailed.
//	@Tags			review
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int				true	"Certification id"
//	@Param			body	body		RejectRequest	true	"Why"
//	@Success		200		{object}	ReviewResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found, or outside the caller's region"
//	@Failure		409		{object}	httpx.Problem	"already_decided"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/review/certifications/{id}/reject [post]
func (h *Handler) reject(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req RejectRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	cert, err := h.svc.Reject(c.Request.Context(), httpx.Caller(c), id, req.Reason)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReview(cert))
}
