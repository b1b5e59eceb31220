// Package ordershttp serves checkout and orders over HTTP.
package ordershttp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/httpx"
	"shangyun/internal/idempotency"
	"shangyun/internal/orders"
	"shangyun/internal/problem"
)

// Checkout is what the handlers need to price and place orders.
type Checkout interface {
	Quote(ctx context.Context, enterpriseID int64, lineIDs []int64) (orders.Quote, error)
	Place(ctx context.Context, enterpriseID int64, lineIDs []int64, expected *int64) (orders.Quote, error)
}

// Keys keeps idempotent answers.
type Keys interface {
	Begin(ctx context.Context, userID int64, key, hash string) (int64, *idempotency.Replay, error)
	Finish(ctx context.Context, id int64, status int, body []byte) error
	Abandon(ctx context.Context, id int64) error
}

// Handler serves checkout.
type Handler struct {
	checkout Checkout
	keys     Keys
	v        *httpx.Validator
}

// New returns a Handler.
func New(checkout Checkout, keys Keys, v *httpx.Validator) *Handler {
	return &Handler{checkout: checkout, keys: keys, v: v}
}

// Routes registers the routes on ent, a group open to enterprises only.
func (h *Handler) Routes(ent *gin.RouterGroup) {
	ent.POST("/orders/quote", h.quote)
	ent.POST("/orders", h.place)
}

// QuoteRequest names the cart lines to price.
type QuoteRequest struct {
	CartItemIDs []int64 `json:"cart_item_ids" validate:"required,min=1,max=100,dive,gt=0"`
} // @name QuoteRequest

// OrderRequest names the cart lines to order, and the payable total the
// client was shown.
type OrderRequest struct {
	CartItemIDs []int64 `json:"cart_item_ids" validate:"required,min=1,max=100,dive,gt=0"`
	// The sum of payable_fen over the quote's orders; when the price has
	// changed since, nothing is ordered and 409 price_changed carries the
	// new quote.
	ExpectedPayableFen *int64 `json:"expected_payable_fen" example:"138600"`
} // @name OrderRequest

// LineResponse is an order line as ordered.
type LineResponse struct {
	ProductID    int64  `json:"product_id" validate:"required"`
	SpecID       int64  `json:"spec_id" validate:"required"`
	CategoryID   int64  `json:"category_id" validate:"required"`
	ProductName  string `json:"product_name" validate:"required" example:"弹性云主机 ECS"`
	SpecName     string `json:"spec_name" validate:"required" example:"2核4G 80G"`
	UnitPriceFen int64  `json:"unit_price_fen" validate:"required" example:"19900"`
	Quantity     int    `json:"quantity" validate:"required" example:"2"`
	BillingUnit  string `json:"billing_unit" validate:"required" enums:"month,year,one_time"`
	LineTotalFen int64  `json:"line_total_fen" validate:"required" example:"39800"`
	// Whether the applied policy covers this line's category.
	Covered bool `json:"covered" validate:"required"`
} // @name OrderLine

// QuoteOrder is one provider's order of a quote; placed orders carry
// their id and status.
type QuoteOrder struct {
	ID               int64          `json:"id,omitempty" example:"42"`
	Status           string         `json:"status,omitempty" enums:"submitted"`
	ProviderID       int64          `json:"provider_id" validate:"required"`
	ProviderName     string         `json:"provider_name" validate:"required"`
	Lines            []LineResponse `json:"lines" validate:"required"`
	SubtotalFen      int64          `json:"subtotal_fen" validate:"required" example:"39800"`
	PolicyID         *int64         `json:"policy_id" validate:"required" extensions:"x-nullable"`
	PolicyVersion    *int           `json:"policy_version" validate:"required" extensions:"x-nullable"`
	DiscountFen      int64          `json:"discount_fen" validate:"required" example:"11940"`
	PayableFen       int64          `json:"payable_fen" validate:"required" example:"27860"`
	NoDiscountReason *string        `json:"no_discount_reason" validate:"required" extensions:"x-nullable" enums:"not_certified,no_benefit,quota_used_up,category_not_covered,policy_expired"`
} // @name QuoteOrder

// QuoteResponse is a quote, or the orders a checkout made.
type QuoteResponse struct {
	Orders      []QuoteOrder `json:"orders" validate:"required"`
	SubtotalFen int64        `json:"subtotal_fen" validate:"required"`
	DiscountFen int64        `json:"discount_fen" validate:"required"`
	PayableFen  int64        `json:"payable_fen" validate:"required"`
} // @name Quote

func nonZero[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func toQuote(q orders.Quote) QuoteResponse {
	out := QuoteResponse{Orders: make([]QuoteOrder, len(q.Orders)), SubtotalFen: q.SubtotalFen,
		DiscountFen: q.DiscountFen, PayableFen: q.PayableFen}
	for i, o := range q.Orders {
		qo := QuoteOrder{ID: o.ID, ProviderID: o.ProviderID, ProviderName: o.ProviderName,
			SubtotalFen: o.SubtotalFen, PolicyID: nonZero(o.PolicyID),
			PolicyVersion: nonZero(o.PolicyVersion), DiscountFen: o.DiscountFen,
			PayableFen: o.PayableFen, NoDiscountReason: nonZero(o.NoDiscountReason),
			Lines: make([]LineResponse, len(o.Lines))}
		if o.ID != 0 {
			qo.Status = o.Status
		}
		for j, l := range o.Lines {
			qo.Lines[j] = LineResponse{ProductID: l.ProductID, SpecID: l.SpecID,
				CategoryID: l.CategoryID, ProductName: l.ProductName, SpecName: l.SpecName,
				UnitPriceFen: l.UnitPriceFen, Quantity: l.Quantity, BillingUnit: l.BillingUnit,
				LineTotalFen: l.TotalFen, Covered: l.Covered}
		}
		out.Orders[i] = qo
	}
	return out
}

// quote prices cart lines.
//
//	@Summary		Price cart lines
//	@Description	One draft order per provider, in ascending provider id, with its
//	@Description	discount, or why it has none. Nothing is stored.
//	@Tags			checkout
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		QuoteRequest	true	"Cart lines"
//	@Success		200		{object}	QuoteResponse
//	@Failure		400		{object}	httpx.Problem	"malformed_body"
//	@Failure		401		{object}	httpx.Problem	"unauthenticated"
//	@Failure		403		{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404		{object}	httpx.Problem	"not_found: a line of another cart"
//	@Failure		409		{object}	httpx.Problem	"line_unavailable"
//	@Failure		413		{object}	httpx.Problem	"payload_too_large"
//	@Failure		422		{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/orders/quote [post]
func (h *Handler) quote(c *gin.Context) {
	var req QuoteRequest
	if !httpx.BindJSON(c, h.v, &req) {
		return
	}
	q, err := h.checkout.Quote(c.Request.Context(), httpx.Caller(c).UserID, req.CartItemIDs)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toQuote(q))
}

// place creates orders.
//
//	@Summary		Place orders
//	@Description	Creates the quote's orders in one transaction, reserves their discounts
//	@Description	and removes the lines from the cart. Idempotency-Key is required: a
//	@Description	retry with the same key and body replays the first answer; the same key
//	@Description	with another body is 422; while the first runs, 409.
//	@Tags			checkout
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			Idempotency-Key	header		string			true	"Unique per order attempt, up to 255 characters"
//	@Param			body			body		OrderRequest	true	"Cart lines and expected total"
//	@Success		201				{object}	QuoteResponse
//	@Failure		400				{object}	httpx.Problem	"malformed_body, idempotency_key_missing"
//	@Failure		401				{object}	httpx.Problem	"unauthenticated"
//	@Failure		403				{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404				{object}	httpx.Problem	"not_found: a line of another cart"
//	@Failure		409				{object}	httpx.Problem	"price_changed (with quote), line_unavailable, idempotency_in_flight, budget_exhausted"
//	@Failure		413				{object}	httpx.Problem	"payload_too_large"
//	@Failure		422				{object}	httpx.Problem	"validation_failed, idempotency_key_reused"
//	@Router			/api/v1/orders [post]
func (h *Handler) place(c *gin.Context) {
	ctx, me := c.Request.Context(), httpx.Caller(c).UserID
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpx.Fail(c, httpx.TooLarge(tooBig.Limit))
			return
		}
		httpx.Fail(c, problem.New(problem.CodeMalformedBody, problem.Text{
			ZH: "请求体读取失败。", EN: "The body could not be read."}))
		return
	}
	key, err := idempotency.ParseKey(c.GetHeader("Idempotency-Key"))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	claim, replay, err := h.keys.Begin(ctx, me, key, idempotency.Hash(body))
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	if replay != nil {
		answer(c, replay.Status, replay.Body)
		return
	}

	status, out := h.order(c, body)
	// A client that went away is the one most likely to retry with this
	// key: its cancelled context must not leave the key in flight.
	keep := context.WithoutCancel(ctx)
	if status >= 500 {
		_ = h.keys.Abandon(keep, claim)
	} else if err := h.keys.Finish(keep, claim, status, out); err != nil {
		httpx.Fail(c, err)
		return
	}
	answer(c, status, out)
}

// order runs a checkout and returns its answer, success or problem.
func (h *Handler) order(c *gin.Context, body []byte) (int, []byte) {
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	var req OrderRequest
	if err := httpx.Decode(c.Request, h.v, &req); err != nil {
		return httpx.Render(c, err)
	}
	q, err := h.checkout.Place(c.Request.Context(), httpx.Caller(c).UserID, req.CartItemIDs,
		req.ExpectedPayableFen)
	var changed *orders.PriceChanged
	if errors.As(err, &changed) {
		p := problem.New(problem.CodePriceChanged, problem.Text{
			ZH: "价格已变化，请确认新的报价后重新下单。",
			EN: "Prices changed since the quote; confirm the new quote and order again."})
		p.Extra = map[string]any{"quote": toQuote(changed.Quote)}
		return httpx.Render(c, p)
	}
	if err != nil {
		return httpx.Render(c, err)
	}
	b, _ := json.Marshal(toQuote(q))
	return http.StatusCreated, b
}

func answer(c *gin.Context, status int, body []byte) {
	ct := "application/json; charset=utf-8"
	if status >= 400 {
		ct = "application/problem+json"
	}
	c.Data(status, ct, body)
}
