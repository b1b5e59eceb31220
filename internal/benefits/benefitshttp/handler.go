// Package benefitshttp serves subsidy policies and benefit claims over
// HTTP.
package benefitshttp

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"shangyun/internal/benefits"
	"shangyun/internal/httpx"
	"shangyun/internal/paging"
)

// Service is what the handlers need of the subsidy rules.
type Service interface {
	Overview(ctx context.Context, enterpriseID int64) (benefits.Overview, error)
	Claim(ctx context.Context, enterpriseID, policyID int64) (benefits.Benefit, error)
	Decline(ctx context.Context, enterpriseID, policyID int64, confirm bool) (benefits.Policy, error)
	CreatePolicy(ctx context.Context, in benefits.PolicyInput) (benefits.Policy, error)
	UpdatePolicy(ctx context.Context, id int64, in benefits.PolicyInput) (benefits.Policy, error)
	Activate(ctx context.Context, id int64) (benefits.Policy, error)
	Close(ctx context.Context, id int64) (benefits.Policy, error)
	Policy(ctx context.Context, id int64) (benefits.Policy, error)
	Policies(ctx context.Context, status string, page paging.Request) ([]benefits.Policy, int64, error)
}

// Handler serves the benefit and policy routes.
type Handler struct {
	svc Service
	v   *httpx.Validator
}

// New returns a Handler.
func New(svc Service, v *httpx.Validator) *Handler { return &Handler{svc: svc, v: v} }

// Routes registers the enterprise routes on ent and the policy
// administration on admin.
func (h *Handler) Routes(ent, admin *gin.RouterGroup) {
	ent.GET("/benefits", h.overview)
	ent.POST("/benefits/:policy_id/claim", h.claim)
	ent.POST("/benefits/:policy_id/decline", h.decline)

	admin.GET("/policies", h.list)
	admin.POST("/policies", h.create)
	admin.GET("/policies/:id", h.get)
	admin.PATCH("/policies/:id", h.update)
	admin.POST("/policies/:id/activate", h.activate)
	admin.POST("/policies/:id/close", h.close)
}

// PolicyResponse is a policy. The budget figures are shown to admins only.
type PolicyResponse struct {
	ID                    int64     `json:"id" validate:"required"`
	Name                  string    `json:"name" validate:"required" example:"河南省企业上云补贴"`
	Description           string    `json:"description" validate:"required"`
	DiscountRate          int       `json:"discount_rate" validate:"required" example:"3000"`
	PerOrderCapFen        int64     `json:"per_order_cap_fen" validate:"required" example:"500000"`
	PerEnterpriseQuotaFen int64     `json:"per_enterprise_quota_fen" validate:"required" example:"1000000"`
	TotalBudgetFen        int64     `json:"total_budget_fen" validate:"required" example:"100000000"`
	CategoryIDs           []int64   `json:"category_ids" validate:"required"`
	RegionCodes           []string  `json:"region_codes" validate:"required"`
	ValidFrom             time.Time `json:"valid_from" validate:"required"`
	ValidUntil            time.Time `json:"valid_until" validate:"required"`
	Status                string    `json:"status" validate:"required" enums:"draft,active,closed"`
	Version               int       `json:"version" validate:"required" example:"1"`
	BudgetClaimedFen      *int64    `json:"budget_claimed_fen,omitempty"`
	BudgetReservedFen     *int64    `json:"budget_reserved_fen,omitempty"`
	BudgetUsedFen         *int64    `json:"budget_used_fen,omitempty"`
	BudgetRemainingFen    *int64    `json:"budget_remaining_fen,omitempty"`
	Beneficiaries         *int      `json:"beneficiaries,omitempty"`
} // @name Policy

// BenefitResponse is a claimed benefit; remaining = quota − reserved − used.
type BenefitResponse struct {
	ID           int64          `json:"id" validate:"required"`
	PolicyID     int64          `json:"policy_id" validate:"required"`
	QuotaFen     int64          `json:"quota_fen" validate:"required" example:"1000000"`
	ReservedFen  int64          `json:"reserved_fen" validate:"required"`
	UsedFen      int64          `json:"used_fen" validate:"required"`
	RemainingFen int64          `json:"remaining_fen" validate:"required"`
	ClaimedAt    time.Time      `json:"claimed_at" validate:"required"`
	Policy       PolicyResponse `json:"policy" validate:"required"`
} // @name Benefit

// OverviewResponse is the enterprise's view of the programme.
type OverviewResponse struct {
	Offers   []PolicyResponse  `json:"offers" validate:"required"`
	Claimed  []BenefitResponse `json:"claimed" validate:"required"`
	Declined []PolicyResponse  `json:"declined" validate:"required"`
} // @name Benefits

// DeclineRequest confirms giving an offer up for good.
type DeclineRequest struct {
	Confirm bool `json:"confirm" example:"true"`
} // @name DeclineRequest

// PolicyRequest creates a policy; on PATCH, absent fields stay.
type PolicyRequest struct {
	Name                  *string    `json:"name" validate:"omitempty,max=400" example:"河南省企业上云补贴"`
	Description           *string    `json:"description" validate:"omitempty,max=20000"`
	DiscountRate          *int       `json:"discount_rate" example:"3000"`
	PerOrderCapFen        *int64     `json:"per_order_cap_fen" example:"500000"`
	PerEnterpriseQuotaFen *int64     `json:"per_enterprise_quota_fen" example:"1000000"`
	TotalBudgetFen        *int64     `json:"total_budget_fen" example:"100000000"`
	CategoryIDs           *[]int64   `json:"category_ids" validate:"omitempty,max=200"`
	RegionCodes           *[]string  `json:"region_codes" validate:"omitempty,max=200"`
	ValidFrom             *time.Time `json:"valid_from"`
	ValidUntil            *time.Time `json:"valid_until"`
} // @name PolicyRequest

func toPolicy(p benefits.Policy, admin bool) PolicyResponse {
	r := PolicyResponse{ID: p.ID, Name: p.Name, Description: p.Description,
		DiscountRate: p.DiscountRate, PerOrderCapFen: p.PerOrderCapFen,
		PerEnterpriseQuotaFen: p.PerEnterpriseQuotaFen, TotalBudgetFen: p.TotalBudgetFen,
		CategoryIDs: p.CategoryIDs, RegionCodes: p.RegionCodes, ValidFrom: p.ValidFrom.UTC(),
		ValidUntil: p.ValidUntil.UTC(), Status: p.Status, Version: p.Version}
	if r.CategoryIDs == nil {
		r.CategoryIDs = []int64{}
	}
	if r.RegionCodes == nil {
		r.RegionCodes = []string{}
	}
	if admin {
		remaining := p.BudgetRemainingFen()
		r.BudgetClaimedFen, r.BudgetReservedFen, r.BudgetUsedFen = &p.BudgetClaimedFen,
			&p.BudgetReservedFen, &p.BudgetUsedFen
		r.BudgetRemainingFen, r.Beneficiaries = &remaining, &p.Beneficiaries
	}
	return r
}

func toBenefit(b benefits.Benefit) BenefitResponse {
	return BenefitResponse{ID: b.ID, PolicyID: b.PolicyID, QuotaFen: b.QuotaFen,
		ReservedFen: b.ReservedFen, UsedFen: b.UsedFen, RemainingFen: b.RemainingFen(),
		ClaimedAt: b.CreatedAt.UTC(), Policy: toPolicy(b.Policy, false)}
}

// overview answers the enterprise's offers, benefits and refusals.
//
//	@Summary		Benefits (领取优惠资格)
//	@Description	Offers are active policies covering the enterprise's county that it has
//	@Description	neither claimed nor declined, shown once it is certified.
//	@Tags			benefits
//	@Produce		json
//	@Security		Bearer
//	@Success		200	{object}	OverviewResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Router			/api/v1/benefits [get]
func (h *Handler) overview(c *gin.Context) {
	o, err := h.svc.Overview(c.Request.Context(), httpx.Caller(c).UserID)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := OverviewResponse{Offers: make([]PolicyResponse, len(o.Offers)),
		Claimed: make([]BenefitResponse, len(o.Claimed)), Declined: make([]PolicyResponse, len(o.Declined))}
	for i, p := range o.Offers {
		out.Offers[i] = toPolicy(p, false)
	}
	for i, b := range o.Claimed {
		out.Claimed[i] = toBenefit(b)
	}
	for i, p := range o.Declined {
		out.Declined[i] = toPolicy(p, false)
	}
	c.JSON(http.StatusOK, out)
}

// claim takes a benefit.
//
//	@Summary		Claim a benefit
//	@Description	Takes the enterprise's quota out of the policy's budget (all of it, or
//	@Description	what is left). Needs an approved certification.
//	@Tags			benefits
//	@Produce		json
//	@Security		Bearer
//	@Param			policy_id	path		int	true	"Policy id"
//	@Success		200			{object}	BenefitResponse
//	@Failure		401			{object}	httpx.Problem	"unauthenticated"
//	@Failure		403			{object}	httpx.Problem	"forbidden, account_disabled, certification_required"
//	@Failure		404			{object}	httpx.Problem	"not_found: no such policy for the enterprise's region"
//	@Failure		409			{object}	httpx.Problem	"already_claimed, offer_declined, policy_not_active, budget_exhausted"
//	@Router			/api/v1/benefits/{policy_id}/claim [post]
func (h *Handler) claim(c *gin.Context) {
	id, ok := httpx.PathID(c, "policy_id")
	if !ok {
		return
	}
	b, err := h.svc.Claim(c.Request.Context(), httpx.Caller(c).UserID, id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toBenefit(b))
}

// decline gives an offer up for good.
//
//	@Summary		Decline an offer (我不要)
//	@Description	Final: the policy can never be claimed afterwards. The client must
//	@Description	have asked the user to confirm and send "confirm": true.
//	@Tags			benefits
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			policy_id	path		int				true	"Policy id"
//	@Param			body		body		DeclineRequest	true	"Confirmation"
//	@Success		200			{object}	PolicyResponse
//	@Failure		400			{object}	httpx.Problem	"malformed_body"
//	@Failure		401			{object}	httpx.Problem	"unauthenticated"
//	@Failure		403			{object}	httpx.Problem	"forbidden, account_disabled, certification_required"
//	@Failure		404			{object}	httpx.Problem	"not_found"
//	@Failure		409			{object}	httpx.Problem	"already_claimed, offer_declined, policy_not_active"
//	@Failure		413			{object}	httpx.Problem	"payload_too_large"
//	@Failure		422			{object}	httpx.Problem	"validation_failed: confirm missing"
//	@Router			/api/v1/benefits/{policy_id}/decline [post]
func (h *Handler) decline(c *gin.Context) {
	id, ok := httpx.PathID(c, "policy_id")
	if !ok {
		return
	}
	var req DeclineRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	p, err := h.svc.Decline(c.Request.Context(), httpx.Caller(c).UserID, id, req.Confirm)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPolicy(p, false))
}
