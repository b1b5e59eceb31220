package benefitshttp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/benefits"
	"shangyun/internal/httpx"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

func (r PolicyRequest) input() benefits.PolicyInput {
	return benefits.PolicyInput{Name: r.Name, Description: r.Description,
		DiscountRate: r.DiscountRate, PerOrderCapFen: r.PerOrderCapFen,
		PerEnterpriseQuotaFen: r.PerEnterpriseQuotaFen, TotalBudgetFen: r.TotalBudgetFen,
		CategoryIDs: r.CategoryIDs, RegionCodes: r.RegionCodes, ValidFrom: r.ValidFrom,
		ValidUntil: r.ValidUntil}
}

func (h *Handler) answer(c *gin.Context, status int, p benefits.Policy, err error) {
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(status, toPolicy(p, true))
}

// list answers every policy.
//
//	@Summary		Policies, newest first
//	@Description	Each with its budget claimed, reserved, used and remaining, and the
//	@Description	number of enterprises holding a benefit.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Param			status	query		string	false	"Only this status"	Enums(draft,active,closed)
//	@Success		200		{array}		PolicyResponse
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/policies [get]
func (h *Handler) list(c *gin.Context) {
	status := c.Query("status")
	if status != "" && status != benefits.PolicyDraft && status != benefits.PolicyActive &&
		status != benefits.PolicyClosed {
		httpx.Fail(c, problem.Validation(problem.Field{Field: "status", Code: "oneof",
			Message: problem.Text{ZH: "状态取值无效", EN: "unknown status"}}))
		return
	}
	// Known limit: policies are few, so the list is one page of at most
	// 1000; a programme with more would need pagination here.
	ps, _, err := h.svc.Policies(c.Request.Context(), status, pageOfAll)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := make([]PolicyResponse, len(ps))
	for i, p := range ps {
		out[i] = toPolicy(p, true)
	}
	c.JSON(http.StatusOK, out)
}

// create saves a draft policy.
//
//	@Summary		Create a policy (draft)
//	@Description	discount_rate in basis points (3000 = 30%, 1–10000); caps, quota and
//	@Description	budget in fen, positive; empty category_ids or region_codes cover all;
//	@Description	a city code covers its counties; valid_until after valid_from.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		PolicyRequest	true	"The policy"
//	@Success		201		{object}	PolicyResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/policies [post]
func (h *Handler) create(c *gin.Context) {
	var req PolicyRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	var missing []problem.Field
	for name, absent := range map[string]bool{"name": req.Name == nil,
		"discount_rate": req.DiscountRate == nil, "per_order_cap_fen": req.PerOrderCapFen == nil,
		"per_enterprise_quota_fen": req.PerEnterpriseQuotaFen == nil,
		"total_budget_fen":         req.TotalBudgetFen == nil, "valid_from": req.ValidFrom == nil,
		"valid_until": req.ValidUntil == nil} {
		if absent {
			missing = append(missing, problem.Field{Field: name, Code: "required",
				Message: problem.Text{ZH: "必填", EN: "is required"}})
		}
	}
	if missing != nil {
		httpx.Fail(c, problem.Validation(missing...))
		return
	}
	p, err := h.svc.CreatePolicy(c.Request.Context(), req.input())
	h.answer(c, http.StatusCreated, p, err)
}

// get answers one policy.
//
//	@Summary	A policy
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Policy id"
//	@Success	200	{object}	PolicyResponse
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/admin/policies/{id} [get]
func (h *Handler) get(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.Policy(c.Request.Context(), id)
		h.answer(c, http.StatusOK, p, err)
	}
}

// update edits a policy.
//
//	@Summary		Edit a policy
//	@Description	A draft may change anything. An active policy may change only its
//	@Description	description, valid_until and total_budget_fen (upwards); each change
//	@Description	raises its version, and orders keep the version they were priced with.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		int				true	"Policy id"
//	@Param			body	body		PolicyRequest	true	"Fields to change"
//	@Success		200		{object}	PolicyResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found"
//	@Failure		409		{object}	httpx.Problem	"invalid_transition: closed"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/policies/{id} [patch]
func (h *Handler) update(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req PolicyRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.UpdatePolicy(c.Request.Context(), id, req.input())
	h.answer(c, http.StatusOK, p, err)
}

// activate opens a draft policy.
//
//	@Summary	Activate a draft policy
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		int	true	"Policy id"
//	@Success	200	{object}	PolicyResponse
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Failure	409	{object}	httpx.Problem	"invalid_transition"
//	@Router		/api/v1/admin/policies/{id}/activate [post]
func (h *Handler) activate(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.Activate(c.Request.Context(), id)
		h.answer(c, http.StatusOK, p, err)
	}
}

// close ends an active policy.
//
//	@Summary		Close an active policy
//	@Description	Stops new claims and discounts; reservations already made still
//	@Description	complete or are released.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		int	true	"Policy id"
//	@Success		200	{object}	PolicyResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404	{object}	httpx.Problem	"not_found"
//	@Failure		409	{object}	httpx.Problem	"invalid_transition"
//	@Router			/api/v1/admin/policies/{id}/close [post]
func (h *Handler) close(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		p, err := h.svc.Close(c.Request.Context(), id)
		h.answer(c, http.StatusOK, p, err)
	}
}

// pageOfAll is the single page the policy list reads.
var pageOfAll = paging.Request{Page: 1, PageSize: 1000}
