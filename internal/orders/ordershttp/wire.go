package ordershttp

import (
	"strconv"
	"time"

	"shangyun/internal/auth"
	"shangyun/internal/orders"
)

// OrderSummary is an order in a list.
type OrderSummary struct {
	ID           int64     `json:"id" validate:"required"`
	Status       string    `json:"status" validate:"required" enums:"submitted,contract_pending,contract_rejected,in_progress,completion_reported,completed,cancelled"`
	ProviderID   int64     `json:"provider_id" validate:"required"`
	ProviderName string    `json:"provider_name" validate:"required"`
	EnterpriseID int64     `json:"enterprise_id" validate:"required"`
	SubtotalFen  int64     `json:"subtotal_fen" validate:"required"`
	DiscountFen  int64     `json:"discount_fen" validate:"required"`
	PayableFen   int64     `json:"payable_fen" validate:"required"`
	CreatedAt    time.Time `json:"created_at" validate:"required"`
	UpdatedAt    time.Time `json:"updated_at" validate:"required"`
} // @name OrderSummary

// OrderPage is a page of orders.
type OrderPage struct {
	Items    []OrderSummary `json:"items" validate:"required"`
	Page     int            `json:"page" validate:"required"`
	PageSize int            `json:"page_size" validate:"required"`
	Total    int64          `json:"total" validate:"required"`
} // @name OrderPage

// AppliedPolicy is the policy an order was priced with, as it was then.
type AppliedPolicy struct {
	ID             int64  `json:"id" validate:"required"`
	Version        int    `json:"version" validate:"required"`
	Name           string `json:"name" validate:"required"`
	DiscountRate   int    `json:"discount_rate" validate:"required"`
	PerOrderCapFen int64  `json:"per_order_cap_fen" validate:"required"`
} // @name AppliedPolicy

// StageResponse is one step of the progress bar.
type StageResponse struct {
	Stage string     `json:"stage" validate:"required" enums:"submitted,contract_pending,in_progress,completion_reported,completed"`
	State string     `json:"state" validate:"required" enums:"done,current,pending"`
	At    *time.Time `json:"at" validate:"required" extensions:"x-nullable"`
} // @name OrderStage

// EventResponse is one entry of the timeline.
type EventResponse struct {
	Action       string    `json:"action" validate:"required" enums:"submit,upload_contract,agree_contract,reject_contract,upload_completion_report,upload_invoice,cancel"`
	ActorID      int64     `json:"actor_id" validate:"required"`
	ActorRole    string    `json:"actor_role" validate:"required" enums:"enterprise,provider"`
	FromStatus   string    `json:"from_status" validate:"required"`
	ToStatus     string    `json:"to_status" validate:"required"`
	Note         string    `json:"note" validate:"required"`
	AttachmentID *int64    `json:"attachment_id" validate:"required" extensions:"x-nullable"`
	At           time.Time `json:"at" validate:"required"`
} // @name OrderEvent

// AttachmentResponse is a stage file.
type AttachmentResponse struct {
	ID          int64     `json:"id" validate:"required"`
	Kind        string    `json:"kind" validate:"required" enums:"contract,completion_report,invoice"`
	Name        string    `json:"name" validate:"required" example:"合同.pdf"`
	ContentType string    `json:"content_type" validate:"required" example:"application/pdf"`
	SizeBytes   int64     `json:"size_bytes" validate:"required"`
	UploadedBy  int64     `json:"uploaded_by" validate:"required"`
	URL         string    `json:"url" validate:"required"`
	CreatedAt   time.Time `json:"created_at" validate:"required"`
} // @name OrderAttachment

// BuyerResponse is the enterprise behind an order, for the provider to
// reach it offline (also shown to reviewers and admins).
type BuyerResponse struct {
	ID          int64  `json:"id" validate:"required"`
	CompanyName string `json:"company_name" validate:"required"`
	ContactName string `json:"contact_name" validate:"required"`
	Phone       string `json:"phone" validate:"required"`
	Email       string `json:"email" validate:"required"`
	RegionCode  string `json:"region_code" validate:"required"`
} // @name OrderBuyer

// OrderDetail is an order with its lines, amounts, policy, progress,
// timeline and files, and the actions the caller may take now.
type OrderDetail struct {
	OrderSummary
	Lines            []LineResponse       `json:"lines" validate:"required"`
	Policy           *AppliedPolicy       `json:"policy" validate:"required" extensions:"x-nullable"`
	NoDiscountReason *string              `json:"no_discount_reason" validate:"required" extensions:"x-nullable"`
	Stages           []StageResponse      `json:"stages" validate:"required"`
	Events           []EventResponse      `json:"events" validate:"required"`
	Attachments      []AttachmentResponse `json:"attachments" validate:"required"`
	AllowedActions   []string             `json:"allowed_actions" validate:"required"`
	Buyer            *BuyerResponse       `json:"buyer,omitempty"`
} // @name Order

// DecisionRequest is the enterprise's decision on a contract.
type DecisionRequest struct {
	Decision string `json:"decision" validate:"required,oneof=agree reject" enums:"agree,reject"`
	// Required when rejecting.
	Comment string `json:"comment" validate:"max=1000" example:"合同金额与订单不符"`
} // @name ContractDecisionRequest

// CancelRequest cancels an order before its contract is agreed.
type CancelRequest struct {
	Reason string `json:"reason" validate:"required,max=1000" example:"需求变更"`
} // @name CancelRequest

// EvaluationRequest is the usage report of a completed order.
type EvaluationRequest struct {
	Rating      int    `json:"rating" validate:"required" example:"5"`
	UsageReport string `json:"usage_report" validate:"required,max=8000" example:"云主机运行稳定，服务商响应及时。"`
} // @name EvaluationRequest

// EvaluationResponse is one evaluation of a product.
type EvaluationResponse struct {
	ID          int64     `json:"id" validate:"required"`
	OrderID     int64     `json:"order_id" validate:"required"`
	ProductID   int64     `json:"product_id" validate:"required"`
	CompanyName string    `json:"company_name" validate:"required"`
	Rating      int       `json:"rating" validate:"required"`
	UsageReport string    `json:"usage_report" validate:"required"`
	CreatedAt   time.Time `json:"created_at" validate:"required"`
} // @name Evaluation

// EvaluationPage is a page of evaluations.
type EvaluationPage struct {
	Items    []EvaluationResponse `json:"items" validate:"required"`
	Page     int                  `json:"page" validate:"required"`
	PageSize int                  `json:"page_size" validate:"required"`
	Total    int64                `json:"total" validate:"required"`
} // @name EvaluationPage

func toSummary(o orders.Order) OrderSummary {
	return OrderSummary{ID: o.ID, Status: o.Status, ProviderID: o.ProviderID,
		ProviderName: o.ProviderName, EnterpriseID: o.EnterpriseID, SubtotalFen: o.SubtotalFen,
		DiscountFen: o.DiscountFen, PayableFen: o.PayableFen, CreatedAt: o.CreatedAt.UTC(),
		UpdatedAt: o.UpdatedAt.UTC()}
}

func toDetail(d orders.Detail, caller auth.Role) OrderDetail {
	o := d.Order
	out := OrderDetail{OrderSummary: toSummary(o), NoDiscountReason: nonZero(o.NoDiscountReason),
		Lines:  toQuote(orders.Quote{Orders: []orders.Order{o}}).Orders[0].Lines,
		Stages: make([]StageResponse, len(d.Stages)), Events: make([]EventResponse, len(d.Events)),
		Attachments:    make([]AttachmentResponse, len(d.Attachments)),
		AllowedActions: d.Allowed}
	if o.PolicyID != 0 {
		out.Policy = &AppliedPolicy{ID: o.PolicyID, Version: o.PolicyVersion, Name: o.PolicyName,
			DiscountRate: o.DiscountRate, PerOrderCapFen: o.PerOrderCapFen}
	}
	for i, s := range d.Stages {
		out.Stages[i] = StageResponse{Stage: s.Stage, State: s.State, At: s.At}
	}
	for i, e := range d.Events {
		out.Events[i] = EventResponse{Action: e.Action, ActorID: e.ActorID, ActorRole: e.ActorRole,
			FromStatus: e.From, ToStatus: e.To, Note: e.Note, AttachmentID: nonZero(e.AttachmentID),
			At: e.At.UTC()}
	}
	for i, a := range d.Attachments {
		out.Attachments[i] = toAttachment(a)
	}
	if caller != auth.RoleEnterprise {
		b := d.Buyer
		out.Buyer = &BuyerResponse{ID: b.ID, CompanyName: b.CompanyName, ContactName: b.ContactName,
			Phone: b.Phone, Email: b.Email, RegionCode: b.RegionCode}
	}
	return out
}

func toAttachment(a orders.Attachment) AttachmentResponse {
	return AttachmentResponse{ID: a.ID, Kind: a.Kind, Name: a.Name, ContentType: a.MIME,
		SizeBytes: a.Size, UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt.UTC(),
		URL: "/api/v1/orders/" + strconv.FormatInt(a.OrderID, 10) + "/attachments/" +
			strconv.FormatInt(a.ID, 10)}
}
