// Package orders owns checkout (下单) and the orders it makes (我的订单):
// one order per provider, lines kept as they were ordered, and the
// discount reserved from the enterprise's benefit.
package orders

import (
	"context"
	"time"
)

// Statuses of an order.
const (
	StatusSubmitted          = "submitted"
	StatusContractPending    = "contract_pending"
	StatusContractRejected   = "contract_rejected"
	StatusInProgress         = "in_progress"
	StatusCompletionReported = "completion_reported"
	StatusCompleted          = "completed"
	StatusCancelled          = "cancelled"
)

// Order is one provider's share of a checkout.
type Order struct {
	ID               int64
	EnterpriseID     int64
	ProviderID       int64
	ProviderName     string
	Status           string
	SubtotalFen      int64
	DiscountFen      int64
	PayableFen       int64
	BenefitID        int64
	PolicyID         int64
	PolicyVersion    int
	PolicyName       string
	DiscountRate     int
	PerOrderCapFen   int64
	NoDiscountReason string
	Lines            []Line
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Line is an order line as ordered: names and price are copies, so later
// changes to the catalog never rewrite it.
type Line struct {
	ID           int64
	OrderID      int64
	ProductID    int64
	SpecID       int64
	CategoryID   int64
	ProductName  string
	SpecName     string
	UnitPriceFen int64
	Quantity     int
	BillingUnit  string
	TotalFen     int64
	Covered      bool
}

// Quote is what a checkout would make, or made.
type Quote struct {
	Orders      []Order
	SubtotalFen int64
	DiscountFen int64
	PayableFen  int64
}

// Store keeps orders. Methods join the transaction ctx carries.
type Store interface {
	// Create stores an order with its lines and sets their ids.
	Create(ctx context.Context, o *Order) error
}
