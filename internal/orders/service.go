package orders

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shangyun/internal/audit"
	"shangyun/internal/auth"
	"shangyun/internal/files"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// Settler turns an order's reserved discount into use, or gives it back.
type Settler interface {
	Release(ctx context.Context, orderID int64) error
	Consume(ctx context.Context, orderID int64) error
}

// Regions tells whether a region lies within another.
type Regions interface {
	Covers(ancestor, code string) bool
}

// FileStore records uploaded files.
type FileStore interface {
	Create(ctx context.Context, f *files.File) error
	Get(ctx context.Context, id int64) (files.File, error)
}

// Notifier tells the other party of an order what happened. It runs in
// the transaction of the change, so it must only record the message.
type Notifier interface {
	OrderChanged(ctx context.Context, o Order, recipientID int64, action, note string) error
}

// ServiceDeps are what a Service works with.
type ServiceDeps struct {
	Store    Store
	Files    FileStore
	Blobs    files.Blobs
	Settler  Settler
	Regions  Regions
	Tx       Transactor
	Audit    audit.Recorder
	Notifier Notifier
	Now      func() time.Time
}

// Service carries orders through their stages.
type Service struct{ ServiceDeps }

// NewService returns a Service.
func NewService(d ServiceDeps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{ServiceDeps: d}
}

// Detail is an order as its reader sees it.
type Detail struct {
	Order       Order
	Buyer       Buyer
	Events      []Event
	Stages      []Stage
	Allowed     []string
	Attachments []Attachment
}

// visible reports whether p may read the order: its two parties, admins,
// and reviewers whose region covers the enterprise.
func (s *Service) visible(p auth.Principal, o Order, b Buyer) bool {
	switch p.Role {
	case auth.RoleEnterprise:
		return o.EnterpriseID == p.UserID
	case auth.RoleProvider:
		return o.ProviderID == p.UserID
	case auth.RoleAdmin:
		return true
	case auth.RoleReviewer:
		return s.Regions.Covers(p.RegionCode, b.RegionCode)
	}
	return false
}

func (s *Service) load(ctx context.Context, p auth.Principal, id int64, lock bool) (Order, Buyer, error) {
	get := s.Store.Get
	if lock {
		get = s.Store.LockOrder
	}
	o, b, err := get(ctx, id)
	if err != nil {
		return Order{}, Buyer{}, err
	}
	if !s.visible(p, o, b) {
		return Order{}, Buyer{}, problem.NotFound()
	}
	return o, b, nil
}

// List returns a page of the caller's orders, newest first: an
// enterprise's own, or those placed with a provider. group is open
// (neither completed nor cancelled), completed, cancelled or all.
func (s *Service) List(ctx context.Context, p auth.Principal, group string,
	page paging.Request) ([]Order, int64, error) {
	f := Filter{Group: group, Page: page}
	switch p.Role {
	case auth.RoleEnterprise:
		f.EnterpriseID = p.UserID
	case auth.RoleProvider:
		f.ProviderID = p.UserID
	default:
		return nil, 0, problem.Forbidden()
	}
	return s.Store.List(ctx, f)
}

// Get returns an order with its timeline, progress and files.
func (s *Service) Get(ctx context.Context, p auth.Principal, id int64) (Detail, error) {
	o, b, err := s.load(ctx, p, id, false)
	if err != nil {
		return Detail{}, err
	}
	return s.detail(ctx, p, o, b)
}

func (s *Service) detail(ctx context.Context, p auth.Principal, o Order, b Buyer) (Detail, error) {
	events, err := s.Store.Events(ctx, o.ID)
	if err != nil {
		return Detail{}, err
	}
	atts, err := s.Store.Attachments(ctx, o.ID)
	if err != nil {
		return Detail{}, err
	}
	return Detail{Order: o, Buyer: b, Events: events, Stages: Progress(o.Status, events),
		Allowed: Allowed(p.Role, o.Status), Attachments: atts}, nil
}

// Act carries out one action of the transition table. The order's row is
// locked and its status moved with a conditional update, so of two
// actions at once exactly one wins; anything not in the table is
// invalid_transition, naming the current status and the allowed actions.
// A stage file, when the action needs one, must come in f.
func (s *Service) Act(ctx context.Context, p auth.Principal, id int64, action, note string,
	f *files.File) (Detail, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > 1000 {
		return Detail{}, problem.Validation(problem.Field{Field: noteField(action), Code: "max",
			Message: problem.Text{ZH: "最多 1000 个字符", EN: "must be at most 1000 characters"}})
	}
	var d Detail
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		o, b, err := s.load(ctx, p, id, true)
		if err != nil {
			return err
		}
		t, ok := Find(p.Role, o.Status, action)
		if !ok {
			return invalid(o.Status, Allowed(p.Role, o.Status))
		}
		if t.NoteRequired && note == "" {
			return problem.Validation(problem.Field{Field: noteField(action), Code: "required",
				Message: problem.Text{ZH: "请填写原因", EN: "a reason is required"}})
		}
		if err := s.apply(ctx, p, &o, t, note, f); err != nil {
			return err
		}
		d, err = s.detail(ctx, p, o, b)
		return err
	})
	return d, err
}

// noteField names the request field that carries an action's note.
func noteField(action string) string {
	switch action {
	case ActionAgreeContract, ActionRejectContract:
		return "comment"
	case ActionCancel:
		return "reason"
	}
	return "note"
}

// apply records one transition: file, status, event, money, audit, mail.
func (s *Service) apply(ctx context.Context, p auth.Principal, o *Order, t Transition, note string,
	f *files.File) error {
	now := s.Now().UTC()
	ev := Event{OrderID: o.ID, ActorID: p.UserID, ActorRole: string(p.Role), Action: t.Action,
		From: t.From, To: t.To, Note: note, At: now}
	if t.File != "" {
		if f == nil {
			return problem.Validation(problem.Field{Field: "file", Code: "required",
				Message: problem.Text{ZH: "请上传文件", EN: "a file is required"}})
		}
		if err := s.Files.Create(ctx, f); err != nil {
			return err
		}
		a := Attachment{OrderID: o.ID, Kind: t.File, FileID: f.ID, UploadedBy: p.UserID, CreatedAt: now}
		if err := s.Store.AddAttachment(ctx, &a); err != nil {
			return err
		}
		ev.AttachmentID = a.ID
	}
	moved, err := s.Store.SetStatus(ctx, o.ID, t.From, t.To, now)
	if err != nil {
		return err
	}
	if !moved {
		return invalid(o.Status, Allowed(p.Role, o.Status))
	}
	o.Status, o.UpdatedAt = t.To, now
	if err := s.Store.AddEvent(ctx, &ev); err != nil {
		return err
	}
	switch t.To {
	case StatusCancelled:
		err = s.Settler.Release(ctx, o.ID)
	case StatusCompleted:
		err = s.Settler.Consume(ctx, o.ID)
	}
	if err != nil {
		return err
	}
	err = s.Audit.Record(ctx, audit.Entry{Action: "order." + t.Action, TargetType: "order",
		TargetID: strconv.FormatInt(o.ID, 10), Detail: t.From + " -> " + t.To})
	if err != nil {
		return err
	}
	other := o.ProviderID
	if p.Role == auth.RoleProvider {
		other = o.EnterpriseID
	}
	return s.Notifier.OrderChanged(ctx, *o, other, t.Action, note)
}

func invalid(status string, allowed []string) error {
	p := problem.New(problem.CodeInvalidTransition, problem.Text{
		ZH: "订单当前状态为 " + status + "，不能执行此操作。",
		EN: "The order is " + status + "; this action is not allowed now."})
	p.Extra = map[string]any{"current_status": status, "allowed_actions": allowed}
	return p
}

// File returns a stage file of an order the caller may read, and its
// content.
func (s *Service) File(ctx context.Context, p auth.Principal, orderID, attachmentID int64) (
	files.File, io.ReadCloser, error) {
	if _, _, err := s.load(ctx, p, orderID, false); err != nil {
		return files.File{}, nil, err
	}
	atts, err := s.Store.Attachments(ctx, orderID)
	if err != nil {
		return files.File{}, nil, err
	}
	for _, a := range atts {
		if a.ID != attachmentID {
			continue
		}
		f, err := s.Files.Get(ctx, a.FileID)
		if err != nil {
			return files.File{}, nil, err
		}
		rc, err := s.Blobs.Open(ctx, f.Key)
		return f, rc, err
	}
	return files.File{}, nil, problem.NotFound()
}

// Attachments lists every stage file of an order the caller may read.
func (s *Service) Attachments(ctx context.Context, p auth.Principal, id int64) ([]Attachment, error) {
	if _, _, err := s.load(ctx, p, id, false); err != nil {
		return nil, err
	}
	return s.Store.Attachments(ctx, id)
}

// Evaluate records the enterprise's rating and usage report of a
// completed order, once; each product of the order gets the rating.
func (s *Service) Evaluate(ctx context.Context, p auth.Principal, id int64, rating int,
	report string) (Evaluation, error) {
	report = strings.TrimSpace(report)
	var fs []problem.Field
	if rating < 1 || rating > 5 {
		fs = append(fs, problem.Field{Field: "rating", Code: "range",
			Message: problem.Text{ZH: "评分须为 1 到 5", EN: "must be 1 to 5"}})
	}
	if n := utf8.RuneCountInString(report); n < 10 || n > 2000 {
		fs = append(fs, problem.Field{Field: "usage_report", Code: "length",
			Message: problem.Text{ZH: "使用报告须为 10 到 2000 个字符", EN: "must be 10 to 2000 characters"}})
	}
	if fs != nil {
		return Evaluation{}, problem.Validation(fs...)
	}

	var e Evaluation
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		o, _, err := s.load(ctx, p, id, true)
		if err != nil {
			return err
		}
		if o.Status != StatusCompleted {
			return invalid(o.Status, Allowed(p.Role, o.Status))
		}
		seen := map[int64]bool{}
		var products []int64
		for _, l := range o.Lines {
			if !seen[l.ProductID] {
				seen[l.ProductID] = true
				products = append(products, l.ProductID)
			}
		}
		e = Evaluation{OrderID: o.ID, EnterpriseID: p.UserID, Rating: rating,
			UsageReport: report, CreatedAt: s.Now().UTC()}
		if err := s.Store.Evaluate(ctx, &e, products); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Entry{Action: "order.evaluate", TargetType: "order",
			TargetID: strconv.FormatInt(o.ID, 10), Detail: "rating " + strconv.Itoa(rating)})
	})
	return e, err
}

// ProductEvaluations returns a page of a product's evaluations, newest
// first.
func (s *Service) ProductEvaluations(ctx context.Context, productID int64,
	page paging.Request) ([]Evaluation, int64, error) {
	return s.Store.ProductEvaluations(ctx, productID, page)
}
