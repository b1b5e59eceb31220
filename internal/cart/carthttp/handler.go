// Package carthttp serves the enterprise's cart over HTTP.
package carthttp

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"shangyun/internal/auth"
	"shangyun/internal/cart"
	"shangyun/internal/httpx"
)

// Service is what the handlers need of the cart rules.
type Service interface {
	Lines(ctx context.Context, p auth.Principal) ([]cart.Line, error)
	Add(ctx context.Context, p auth.Principal, specID int64, quantity int) (cart.Line, error)
	SetQuantity(ctx context.Context, p auth.Principal, id int64, quantity int) (cart.Line, error)
	Remove(ctx context.Context, p auth.Principal, id int64) error
}

// Handler serves the cart routes.
type Handler struct {
	svc Service
	v   *httpx.Validator
}

// New returns a Handler.
func New(svc Service, v *httpx.Validator) *Handler { return &Handler{svc: svc, v: v} }

// Routes registers the routes on ent, a group open to enterprises only.
func (h *Handler) Routes(ent *gin.RouterGroup) {
	ent.GET("/cart", h.list)
	ent.POST("/cart/items", h.add)
	ent.PATCH("/cart/items/:id", h.update)
	ent.DELETE("/cart/items/:id", h.remove)
}

// LineResponse is a cart line with its product as it is now.
type LineResponse struct {
	ID                int64   `json:"id" validate:"required"`
	SpecID            int64   `json:"spec_id" validate:"required"`
	SpecName          string  `json:"spec_name" validate:"required" example:"2核4G"`
	Quantity          int     `json:"quantity" validate:"required" example:"1"`
	PriceFen          int64   `json:"price_fen" validate:"required" example:"19900"`
	BillingUnit       string  `json:"billing_unit" validate:"required" enums:"month,year,one_time"`
	LineTotalFen      int64   `json:"line_total_fen" validate:"required"`
	ProductID         int64   `json:"product_id" validate:"required"`
	ProductName       string  `json:"product_name" validate:"required"`
	CoverURL          *string `json:"cover_url" validate:"required" extensions:"x-nullable"`
	ProviderID        int64   `json:"provider_id" validate:"required"`
	ProviderName      string  `json:"provider_name" validate:"required"`
	Available         bool    `json:"available" validate:"required"`
	UnavailableReason *string `json:"unavailable_reason" validate:"required" extensions:"x-nullable" enums:"spec_inactive,product_unavailable"`
} // @name CartLine

// AddRequest puts a spec in the cart.
type AddRequest struct {
	SpecID   int64 `json:"spec_id" validate:"required,gt=0" example:"3"`
	Quantity int   `json:"quantity" validate:"required" example:"1"`
} // @name CartAddRequest

// QuantityRequest changes a line's quantity.
type QuantityRequest struct {
	Quantity int `json:"quantity" validate:"required" example:"2"`
} // @name CartQuantityRequest

func toLine(l cart.Line) LineResponse {
	r := LineResponse{ID: l.ID, SpecID: l.SpecID, SpecName: l.SpecName, Quantity: l.Quantity,
		PriceFen: l.PriceFen, BillingUnit: l.BillingUnit, LineTotalFen: l.TotalFen(),
		ProductID: l.ProductID, ProductName: l.ProductName, ProviderID: l.ProviderID,
		ProviderName: l.ProviderName, Available: l.UnavailableReason == ""}
	if l.ProductCoverID != 0 {
		u := "/api/v1/products/" + strconv.FormatInt(l.ProductID, 10) + "/cover"
		r.CoverURL = &u
	}
	if l.UnavailableReason != "" {
		reason := l.UnavailableReason
		r.UnavailableReason = &reason
	}
	return r
}

// list answers the cart.
//
//	@Summary		The cart
//	@Description	Lines with the product and spec as they are now; a line whose spec was
//	@Description	deactivated or whose product left the catalog is available: false.
//	@Tags			cart
//	@Produce		json
//	@Security		Bearer
//	@Success		200	{array}		LineResponse
//	@Failure		401	{object}	httpx.Problem	"unauthenticated"
//	@Failure		403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Router			/api/v1/cart [get]
func (h *Handler) list(c *gin.Context) {
	lines, err := h.svc.Lines(c.Request.Context(), httpx.Caller(c))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := make([]LineResponse, len(lines))
	for i, l := range lines {
		out[i] = toLine(l)
	}
	c.JSON(http.StatusOK, out)
}

// add puts a spec in the cart.
//
//	@Summary		Add to the cart
//	@Description	Adding a spec already in the cart adds to its quantity (1–9999 a line);
//	@Description	a cart holds at most 100 lines.
//	@Tags			cart
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		AddRequest	true	"Spec and quantity"
//	@Success		201		{object}	LineResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found: no such spec"
//	@Failure		409		{object}	httpx.Problem	"line_unavailable"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/cart/items [post]
func (h *Handler) add(c *gin.Context) {
	var req AddRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	l, err := h.svc.Add(c.Request.Context(), httpx.Caller(c), req.SpecID, req.Quantity)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toLine(l))
}

// update changes a line's quantity.
//
//	@Summary	Change a cart line's quantity
//	@Tags		cart
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		int				true	"Cart line id"
//	@Param		body	body		QuantityRequest	true	"The new quantity, 1–9999"
//	@Success	200		{object}	LineResponse
//	@Failure	400		{object}	httpx.Problem	"malformed_body"
//	@Failure	401		{object}	httpx.Problem	"unauthenticated"
//	@Failure	403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404		{object}	httpx.Problem	"not_found"
//	@Failure	413		{object}	httpx.Problem	"payload_too_large"
//	@Failure	422		{object}	httpx.Problem	"validation_failed"
//	@Router		/api/v1/cart/items/{id} [patch]
func (h *Handler) update(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	var req QuantityRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	l, err := h.svc.SetQuantity(c.Request.Context(), httpx.Caller(c), id, req.Quantity)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toLine(l))
}

// remove deletes a line.
//
//	@Summary	Remove a cart line
//	@Tags		cart
//	@Security	Bearer
//	@Param		id	path	int	true	"Cart line id"
//	@Success	204
//	@Failure	401	{object}	httpx.Problem	"unauthenticated"
//	@Failure	403	{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/cart/items/{id} [delete]
func (h *Handler) remove(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	if err := h.svc.Remove(c.Request.Context(), httpx.Caller(c), id); err != nil {
		httpx.Fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
