// Package orders owns checkout (下单) and the orders it makes (我的订单):
// one order per provider, lines kept as they were ordered, and the
// discount reserved from the enterprise's benefit.
package orders

import (
	"context"
	"time"

	"shangyun/internal/paging"
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

// Buyer is what a provider, reviewer or admin sees of the enterprise that
// placed an order, to reach it offline.
type Buyer struct {
	ID          int64
	CompanyName string
	ContactName string
	Phone       string
	Email       string
	RegionCode  string
}

// Attachment is a stage file of an order; every version is kept.
type Attachment struct {
	ID         int64
	OrderID    int64
	Kind       string
	FileID     int64
	Name       string
	MIME       string
	Size       int64
	UploadedBy int64
	CreatedAt  time.Time
}

// Evaluation is an enterprise's report on a completed order (使用报告).
type Evaluation struct {
	ID           int64
	OrderID      int64
	ProductID    int64
	EnterpriseID int64
	CompanyName  string
	Rating       int
	UsageReport  string
	CreatedAt    time.Time
}

// Filter selects orders to list.
type Filter struct {
	EnterpriseID int64
	ProviderID   int64
	// Group is open, completed, cancelled or all.
	Group string
	Page  paging.Request
}

// Store keeps orders. Methods join the transaction ctx carries.
type Store interface {
	// Create stores an order with its lines and sets their ids.
	Create(ctx context.Context, o *Order) error
	// Get returns an order with its lines and buyer; LockOrder also holds
	// the order's row until the transaction ends.
	Get(ctx context.Context, id int64) (Order, Buyer, error)
	LockOrder(ctx context.Context, id int64) (Order, Buyer, error)
	// List returns a page of orders with what a list shows of them: no
	// lines and no discount details.
	List(ctx context.Context, f Filter) ([]Order, int64, error)
	// SetStatus moves an order from one status to another; it returns
	// false when the order was no longer in from.
	SetStatus(ctx context.Context, id int64, from, to string, at time.Time) (bool, error)
	AddEvent(ctx context.Context, e *Event) error
	Events(ctx context.Context, orderID int64) ([]Event, error)
	AddAttachment(ctx context.Context, a *Attachment) error
	Attachments(ctx context.Context, orderID int64) ([]Attachment, error)
	// Evaluate stores one evaluation per product of an order and adds the
	// rating to each product; already_evaluated when the order has one.
	// The first row's id and product are set on e.
	Evaluate(ctx context.Context, e *Evaluation, productIDs []int64) error
	ProductEvaluations(ctx context.Context, productID int64, page paging.Request) ([]Evaluation, int64, error)
}
