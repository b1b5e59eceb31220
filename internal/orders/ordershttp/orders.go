package ordershttp

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/auth"
	"shangyun/internal/files"
	"shangyun/internal/httpx"
	"shangyun/internal/orders"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// Orders is what the order routes need of the order rules.
type Orders interface {
	List(ctx context.Context, p auth.Principal, group string, page paging.Request) ([]orders.Order, int64, error)
	Get(ctx context.Context, p auth.Principal, id int64) (orders.Detail, error)
	Act(ctx context.Context, p auth.Principal, id int64, action, note string, f *files.File) (orders.Detail, error)
	Attachments(ctx context.Context, p auth.Principal, id int64) ([]orders.Attachment, error)
	File(ctx context.Context, p auth.Principal, orderID, attachmentID int64) (files.File, io.ReadCloser, error)
	Evaluate(ctx context.Context, p auth.Principal, id int64, rating int, report string) (orders.Evaluation, error)
	ProductEvaluations(ctx context.Context, productID int64, page paging.Request) ([]orders.Evaluation, int64, error)
}

// Uploads receives multipart forms.
type Uploads interface {
	ReadForm(ctx context.Context, r *http.Request, rules []files.Rule, uploader int64) (files.Form, error)
	Discard(ctx context.Context, fs ...files.File)
}

// OrderHandler serves orders through their stages.
type OrderHandler struct {
	svc     Orders
	uploads Uploads
	v       *httpx.Validator
}

// NewOrders returns an OrderHandler.
func NewOrders(svc Orders, uploads Uploads, v *httpx.Validator) *OrderHandler {
	return &OrderHandler{svc: svc, uploads: uploads, v: v}
}

// fileLimit bounds a stage file: 20 MB.
const fileLimit = 20 << 20

// Routes registers the order routes: reads for every signed-in role that
// may see an order, actions for its parties, and the public evaluations.
func (h *OrderHandler) Routes(pub, signed *gin.RouterGroup, limits *httpx.BodyLimits) {
	parties := httpx.RequireRole(auth.RoleEnterprise, auth.RoleProvider)
	provider := httpx.RequireRole(auth.RoleProvider)
	enterprise := httpx.RequireRole(auth.RoleEnterprise)

	signed.GET("/orders", parties, h.list)
	signed.GET("/orders/:id", h.get)
	signed.GET("/orders/:id/attachments", h.attachments)
	signed.GET("/orders/:id/attachments/:attachment_id", h.file)
	signed.POST("/orders/:id/contract", provider, h.upload(orders.ActionUploadContract, orders.FileContract))
	signed.POST("/orders/:id/completion-report", provider,
		h.upload(orders.ActionUploadCompletionReport, orders.FileCompletionReport))
	signed.POST("/orders/:id/invoice", provider, h.upload(orders.ActionUploadInvoice, orders.FileInvoice))
	signed.POST("/orders/:id/contract-decision", enterprise, h.decide)
	signed.POST("/orders/:id/cancel", parties, h.cancel)
	signed.POST("/orders/:id/evaluation", enterprise, h.evaluate)
	pub.GET("/products/:id/evaluations", h.evaluations)

	base := signed.BasePath()
	for _, p := range []string{"/orders/:id/contract", "/orders/:id/completion-report", "/orders/:id/invoice"} {
		limits.Set(http.MethodPost, base+p, fileLimit+64<<10)
	}
}

func (h *OrderHandler) answer(c *gin.Context, d orders.Detail, err error) {
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDetail(d, httpx.Caller(c).Role))
}

var orderGroups = map[string]bool{"": true, "all": true, "open": true, "completed": true,
	"cancelled": true}

// list answers the caller's orders.
//
//	@Summary		Orders (我的订单), newest first
//	@Description	An enterprise's own orders, or a provider's orders placed with it. open
//	@Description	is neither completed nor cancelled.
//	@Tags			orders
//	@Produce		json
//	@Security		Bearer
//	@Param			status		query		string	false	"Group"	Enums(open,completed,cancelled,all)
//	@Param			page		query		int		false	"Page, from 1"		minimum(1)
//	@Param			page_size	query		int		false	"Items a page"	minimum(1)	maximum(100)
//	@Success		200			{object}	OrderPage
//	@Failure		401			{object}	httpx.Problem	"unauthenticated"
//	@Failure		403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		422			{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/orders [get]
func (h *OrderHandler) list(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err == nil && !orderGroups[c.Query("status")] {
		err = problem.Validation(problem.Field{Field: "status", Code: "oneof", Message: problem.Text{
			ZH: "须为 open、completed、cancelled 或 all", EN: "must be open, completed, cancelled or all"}})
	}
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	list, total, err := h.svc.List(c.Request.Context(), httpx.Caller(c), c.Query("status"), page)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := OrderPage{Items: make([]OrderSummary, len(list)), Page: page.Page,
		PageSize: page.PageSize, Total: total}
	for i, o := range list {
		out.Items[i] = toSummary(o)
	}
	c.JSON(http.StatusOK, out)
}

// get answers one order.
//
//	@Summary		An order with its stages (环节) and timeline
//	@Description	For its two parties, reviewers whose region covers the enterprise, and
//	@Description	admins; 404 for everyone else. Providers, reviewers and admins also get
//	@Description	the buyer block.
//	@Tags			orders
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"Order id"
//	@Success		200	{object}	OrderDetail
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found"
//	@Router			/api/v1/orders/{id} [get]
func (h *OrderHandler) get(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		d, err := h.svc.Get(c.Request.Context(), httpx.Caller(c), id)
		h.answer(c, d, err)
	}
}

// upload returns the handler of a provider action that uploads a stage
// file.
//
//	@Summary		Upload a stage file (provider)
//	@Description	contract: PDF, from submitted, or from contract_rejected with a new
//	@Description	version (every version is kept). completion-report (竣工报告): PDF or
//	@Description	image, from in_progress. invoice (发票): PDF or image, from
//	@Description	completion_reported; it completes the order and turns the reserved
//	@Description	discount into use. The enterprise is mailed at each step.
//	@Tags			orders
//	@Accept			multipart/form-data
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int		true	"Order id"
//	@Param			file	formData	file	true	"The file"
//	@Param			note	formData	string	false	"A note for the timeline"
//	@Success		200		{object}	OrderDetail
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		409		{object}	httpx.Problem	"invalid_transition"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed, unsupported_file_type"
//	@Router			/api/v1/orders/{id}/contract [post]
//	@Router			/api/v1/orders/{id}/completion-report [post]
//	@Router			/api/v1/orders/{id}/invoice [post]
func (h *OrderHandler) upload(action, kind string) gin.HandlerFunc {
	rule := files.Rule{Field: "file", Types: orders.FileTypes[kind], MaxBytes: fileLimit}
	return func(c *gin.Context) {
		id, ok := httpx.PathID(c, "id")
		if !ok {
			return
		}
		ctx, me := c.Request.Context(), httpx.Caller(c)
		form, err := h.uploads.ReadForm(ctx, c.Request, []files.Rule{rule}, me.UserID)
		f, got := form.Files["file"]
		if err == nil && !got {
			err = problem.Validation(problem.Field{Field: "file", Code: "required",
				Message: problem.Text{ZH: "请上传文件", EN: "a file is required"}})
		}
		if err != nil {
			httpx.Fail(c, err)
			return
		}
		d, err := h.svc.Act(ctx, me, id, action, form.Values["note"], &f)
		if err != nil {
			h.uploads.Discard(ctx, f)
		}
		h.answer(c, d, err)
	}
}

// decide records the enterprise's decision on the contract.
//
//	@Summary		Agree to or reject the contract (enterprise)
//	@Description	From contract_pending. agree leads to in_progress; reject (comment
//	@Description	required) to contract_rejected, awaiting a new contract.
//	@Tags			orders
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int				true	"Order id"
//	@Param			body	body		DecisionRequest	true	"The decision"
//	@Success		200		{object}	OrderDetail
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		409		{object}	httpx.Problem	"invalid_transition"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/orders/{id}/contract-decision [post]
func (h *OrderHandler) decide(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req DecisionRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	action := orders.ActionAgreeContract
	if req.Decision == "reject" {
		action = orders.ActionRejectContract
	}
	d, err := h.svc.Act(c.Request.Context(), httpx.Caller(c), id, action, req.Comment, nil)
	h.answer(c, d, err)
}

// cancel cancels an order.
//
//	@Summary		Cancel an order (either party)
//	@Description	Before the contract is agreed, with a reason. The reserved discount is
//	@Description	released and the other party mailed.
//	@Tags			orders
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int				true	"Order id"
//	@Param			body	body		CancelRequest	true	"Why"
//	@Success		200		{object}	OrderDetail
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		409		{object}	httpx.Problem	"invalid_transition"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/orders/{id}/cancel [post]
func (h *OrderHandler) cancel(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req CancelRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	d, err := h.svc.Act(c.Request.Context(), httpx.Caller(c), id, orders.ActionCancel, req.Reason, nil)
	h.answer(c, d, err)
}

// attachments lists an order's stage files.
//
//	@Summary	Stage files of an order, every version
//	@Tags		orders
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Order id"
//	@Success	200	{array}		AttachmentResponse
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/orders/{id}/attachments [get]
func (h *OrderHandler) attachments(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	list, err := h.svc.Attachments(c.Request.Context(), httpx.Caller(c), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := make([]AttachmentResponse, len(list))
	for i, a := range list {
		out[i] = toAttachment(a)
	}
	c.JSON(http.StatusOK, out)
}

// file downloads a stage file.
//
//	@Summary	Download a stage file
//	@Tags		orders
//	@Produce	octet-stream
//	@Security	Bearer
//	@Param		id				path		int	true	"Order id"
//	@Param		attachment_id	path		int	true	"Attachment id"
//	@Success	200				{file}		file
//	@Failure	401				{object}	httpx.Problem	"unauthenticated"
//	@Failure	403				{object}	httpx.Problem	"account_disabled"
//	@Failure	404				{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/orders/{id}/attachments/{attachment_id} [get]
func (h *OrderHandler) file(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	aid, ok := httpx.PathID(c, "attachment_id")
	if !ok {
		return
	}
	f, rc, err := h.svc.File(c.Request.Context(), httpx.Caller(c), id, aid)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	defer func() { _ = rc.Close() }()
	_ = files.Serve(c.Writer, f, rc)
}

// evaluate records the usage report.
//
//	@Summary		Evaluate a completed order (使用报告)
//	@Description	Once, by its enterprise: rating 1–5 and a usage report of 10–2000
//	@Description	characters. Each product of the order gets the rating.
//	@Tags			orders
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int					true	"Order id"
//	@Param			body	body		EvaluationRequest	true	"The evaluation"
//	@Success		201		{object}	EvaluationResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		409		{object}	httpx.Problem	"already_evaluated, invalid_transition"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/orders/{id}/evaluation [post]
func (h *OrderHandler) evaluate(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req EvaluationRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	e, err := h.svc.Evaluate(c.Request.Context(), httpx.Caller(c), id, req.Rating, req.UsageReport)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, EvaluationResponse{ID: e.ID, OrderID: e.OrderID,
		ProductID: e.ProductID, Rating: e.Rating, UsageReport: e.UsageReport,
		CreatedAt: e.CreatedAt.UTC()})
}

// evaluations lists a product's evaluations.
//
//	@Summary	Evaluations of a product, newest first
//	@Tags		catalog
//	@Produce	json
//	@Param		id			path		int	true	"Product id"
//	@Param		page		query		int	false	"Page, from 1"		minimum(1)
//	@Param		page_size	query		int	false	"Items a page"	minimum(1)	maximum(100)
//	@Success	200			{object}	EvaluationPage
//	@Failure	404			{object}	httpx.Problem	"not_found"
//	@Failure	422			{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/products/{id}/evaluations [get]
func (h *OrderHandler) evaluations(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	list, total, err := h.svc.ProductEvaluations(c.Request.Context(), id, page)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := EvaluationPage{Items: make([]EvaluationResponse, len(list)), Page: page.Page,
		PageSize: page.PageSize, Total: total}
	for i, e := range list {
		out.Items[i] = EvaluationResponse{ID: e.ID, OrderID: e.OrderID, ProductID: e.ProductID,
			CompanyName: e.CompanyName, Rating: e.Rating, UsageReport: e.UsageReport,
			CreatedAt: e.CreatedAt.UTC()}
	}
	c.JSON(http.StatusOK, out)
}
