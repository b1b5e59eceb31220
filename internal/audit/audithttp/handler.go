// Package audithttp serves the audit log to admins over HTTP.
package audithttp

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"shangyun/internal/audit"
	"shangyun/internal/httpx"
	"shangyun/internal/problem"
)

// Reader reads the audit log.
type Reader interface {
	List(ctx context.Context, f audit.Filter) ([]audit.Record, int64, error)
}

// Handler serves the audit log.
type Handler struct {
	log Reader
	loc *time.Location
}

// New returns a Handler reading dates in the platform's time zone loc.
func New(log Reader, loc *time.Location) *Handler { return &Handler{log: log, loc: loc} }

// Routes registers the route on admin, a group open to admins only.
func (h *Handler) Routes(admin *gin.RouterGroup) {
	admin.GET("/audit-logs", h.list)
}

// EntryResponse is one audit entry.
type EntryResponse struct {
	ID         int64     `json:"id" validate:"required"`
	ActorID    *int64    `json:"actor_id" validate:"required" extensions:"x-nullable"`
	ActorRole  string    `json:"actor_role" validate:"required" enums:"enterprise,provider,reviewer,admin,system"`
	Action     string    `json:"action" validate:"required" example:"certification.approve"`
	TargetType string    `json:"target_type" validate:"required" example:"certification"`
	TargetID   string    `json:"target_id" validate:"required" example:"12"`
	Detail     string    `json:"detail" validate:"required"`
	ClientIP   string    `json:"client_ip" validate:"required" example:"203.0.113.7"`
	RequestID  string    `json:"request_id" validate:"required"`
	CreatedAt  time.Time `json:"created_at" validate:"required"`
} // @name AuditEntry

// EntryPage is a page of audit entries.
type EntryPage struct {
	Items    []EntryResponse `json:"items" validate:"required"`
	Page     int             `json:"page" validate:"required"`
	PageSize int             `json:"page_size" validate:"required"`
	Total    int64           `json:"total" validate:"required"`
} // @name AuditEntryPage

// list answers audit entries.
//
//	@Summary		The audit log, newest first
//	@Description	Every decision and state change: who, role, what, target, when, and
//	@Description	from which address. from and to are dates (YYYY-MM-DD) in the platform's
//	@Description	time zone, both included.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Param			actor_id	query		int		false	"Only this actor"	minimum(1)
//	@Param			action		query		string	false	"Only this action, e.g. certification.approve"
//	@Param			target_type	query		string	false	"Only this kind of target, e.g. order"
//	@Param			target_id	query		string	false	"Only this target"
//	@Param			from		query		string	false	"From this date"	format(date)
//	@Param			to			query		string	false	"To this date"		format(date)
//	@Param			page		query		int		false	"Page, from 1"		minimum(1)
//	@Param			page_size	query		int		false	"Items a page"	minimum(1)	maximum(100)
//	@Success		200			{object}	EntryPage
//	@Failure		401			{object}	httpx.Problem	"unauthenticated"
//	@Failure		403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		422			{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/admin/audit-logs [get]
func (h *Handler) list(c *gin.Context) {
	f, err := h.filter(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	list, total, err := h.log.List(c.Request.Context(), f)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := EntryPage{Items: make([]EntryResponse, len(list)), Page: f.Page.Page,
		PageSize: f.Page.PageSize, Total: total}
	for i, r := range list {
		out.Items[i] = EntryResponse{ID: r.ID, ActorRole: r.ActorRole, Action: r.Action,
			TargetType: r.TargetType, TargetID: r.TargetID, Detail: r.Detail,
			ClientIP: r.ClientIP, RequestID: r.RequestID, CreatedAt: r.CreatedAt.UTC()}
		if r.ActorID != 0 {
			id := r.ActorID
			out.Items[i].ActorID = &id
		}
	}
	c.JSON(http.StatusOK, out)
}

func (h *Handler) filter(c *gin.Context) (audit.Filter, error) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		return audit.Filter{}, err
	}
	f := audit.Filter{Action: c.Query("action"), TargetType: c.Query("target_type"),
		TargetID: c.Query("target_id"), Page: page}
	var fs []problem.Field
	if s := c.Query("actor_id"); s != "" {
		if f.ActorID, err = strconv.ParseInt(s, 10, 64); err != nil || f.ActorID <= 0 {
			fs = append(fs, problem.Field{Field: "actor_id", Code: "gt",
				Message: problem.Text{ZH: "须为正整数", EN: "must be a positive integer"}})
		}
	}
	var dates []problem.Field
	f.From, f.To, dates = httpx.DateRange(c, h.loc)
	fs = append(fs, dates...)
	if fs != nil {
		return audit.Filter{}, problem.Validation(fs...)
	}
	return f, nil
}
