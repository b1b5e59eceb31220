// Package reportshttp serves the oversight reports as JSON for charts, and
// as CSV and XLSX downloads.
package reportshttp

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"shangyun/internal/auth"
	"shangyun/internal/files"
	"shangyun/internal/httpx"
	"shangyun/internal/problem"
	"shangyun/internal/reports"
)

// Builder makes reports.
type Builder interface {
	Build(ctx context.Context, p auth.Principal, name string, period reports.Period,
		policyID int64) (reports.Report, error)
}

// Handler serves the report route.
type Handler struct {
	reports Builder
	loc     *time.Location
}

// New returns a Handler reading dates in the platform's time zone loc.
func New(b Builder, loc *time.Location) *Handler { return &Handler{reports: b, loc: loc} }

// Routes registers the route on staff, a group open to reviewers and
// admins.
func (h *Handler) Routes(staff *gin.RouterGroup) {
	staff.GET("/reports/:name", h.report)
}

// ColumnResponse names a column.
type ColumnResponse struct {
	Key   string `json:"key" validate:"required" example:"approved"`
	Title string `json:"title" validate:"required" example:"已通过"`
} // @name ReportColumn

// ReportResponse is a report as JSON: rows per county (ordered by city,
// then county) keyed by column, and the totals of the numeric columns.
type ReportResponse struct {
	Name     string           `json:"name" validate:"required" enums:"certifications,benefits,orders,enterprises"`
	Timezone string           `json:"timezone" validate:"required" example:"Asia/Shanghai"`
	From     *string          `json:"from" validate:"required" extensions:"x-nullable" example:"2026-01-01"`
	To       *string          `json:"to" validate:"required" extensions:"x-nullable" example:"2026-12-31"`
	PolicyID *int64           `json:"policy_id" validate:"required" extensions:"x-nullable"`
	Columns  []ColumnResponse `json:"columns" validate:"required"`
	Rows     []map[string]any `json:"rows" validate:"required"`
	Totals   map[string]int64 `json:"totals" validate:"required"`
} // @name Report

// report answers one report.
//
//	@Summary		A report per city and county
//	@Description	certifications: by status. benefits: claimed, quota, reserved and used.
//	@Description	orders: by status, with amounts. enterprises: new accounts per month.
//	@Description	Admins see the province, reviewers their region's counties. from and to
//	@Description	are dates in the platform's time zone, both included; months are counted
//	@Description	in it too. format=csv is UTF-8 with a byte order mark, for Excel.
//	@Tags			reports
//	@Produce		json,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
//	@Security		Bearer
//	@Param			name		path		string	true	"Which report"	Enums(certifications,benefits,orders,enterprises)
//	@Param			format		query		string	false	"Answer format"	Enums(json,csv,xlsx)
//	@Param			from		query		string	false	"From this date"	format(date)
//	@Param			to			query		string	false	"To this date"		format(date)
//	@Param			policy_id	query		int		false	"Only this policy (benefits and orders)"	minimum(1)
//	@Success		200			{object}	ReportResponse
//	@Failure		401			{object}	httpx.Problem	"unauthenticated"
//	@Failure		403			{object}	httpx.Problem	"forbidden, account_disabled"
//	@Failure		404			{object}	httpx.Problem	"not_found: no such report"
//	@Failure		422			{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/reports/{name} [get]
func (h *Handler) report(c *gin.Context) {
	period, policyID, format, err := h.query(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	r, err := h.reports.Build(c.Request.Context(), httpx.Caller(c), c.Param("name"), period, policyID)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	switch format {
	case "csv":
		h.download(c, r, "text/csv; charset=utf-8", "csv", toCSV(r))
	case "xlsx":
		b, err := toXLSX(r)
		if err != nil {
			httpx.Fail(c, err)
			return
		}
		h.download(c, r, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", b)
	default:
		c.JSON(http.StatusOK, h.toJSON(r))
	}
}

func (h *Handler) query(c *gin.Context) (reports.Period, int64, string, error) {
	var p reports.Period
	var fs []problem.Field
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" && format != "xlsx" {
		fs = append(fs, problem.Field{Field: "format", Code: "oneof",
			Message: problem.Text{ZH: "格式须为 json、csv 或 xlsx", EN: "must be json, csv or xlsx"}})
	}
	var dates []problem.Field
	p.From, p.To, dates = httpx.DateRange(c, h.loc)
	fs = append(fs, dates...)
	if !p.From.IsZero() && !p.To.IsZero() && !p.To.After(p.From) {
		fs = append(fs, problem.Field{Field: "to", Code: "after",
			Message: problem.Text{ZH: "结束日期不能早于开始日期", EN: "must not be before from"}})
	}
	var policyID int64
	if s := c.Query("policy_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			fs = append(fs, problem.Field{Field: "policy_id", Code: "gt",
				Message: problem.Text{ZH: "须为正整数", EN: "must be a positive integer"}})
		}
		policyID = n
	}
	if fs != nil {
		return reports.Period{}, 0, "", problem.Validation(fs...)
	}
	return p, policyID, format, nil
}

func (h *Handler) date(t time.Time, end bool) *string {
	if t.IsZero() {
		return nil
	}
	if end {
		t = t.AddDate(0, 0, -1)
	}
	s := t.In(h.loc).Format("2006-01-02")
	return &s
}

func (h *Handler) toJSON(r reports.Report) ReportResponse {
	out := ReportResponse{Name: r.Name, Timezone: r.Timezone, From: h.date(r.From, false),
		To: h.date(r.To, true), Columns: make([]ColumnResponse, len(r.Columns)), Rows: r.Rows,
		Totals: r.Totals}
	if r.PolicyID != 0 {
		out.PolicyID = &r.PolicyID
	}
	if out.Rows == nil {
		out.Rows = []map[string]any{}
	}
	for i, c := range r.Columns {
		out.Columns[i] = ColumnResponse{Key: c.Key, Title: c.Title}
	}
	return out
}

func (h *Handler) download(c *gin.Context, r reports.Report, mime, ext string, body []byte) {
	name := fmt.Sprintf("shangyun-%s-%s.%s", r.Name, time.Now().In(h.loc).Format("20060102"), ext)
	c.Header("Content-Disposition", files.Disposition(name))
	c.Data(http.StatusOK, mime, body)
}

// cells returns the header and the rows of a report as text, with a
// last row of totals.
func cells(r reports.Report) [][]string {
	out := make([][]string, 0, len(r.Rows)+2)
	head := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		head[i] = c.Title
	}
	out = append(out, head)
	for _, row := range r.Rows {
		line := make([]string, len(r.Columns))
		for i, c := range r.Columns {
			line[i] = fmt.Sprint(row[c.Key])
		}
		out = append(out, line)
	}
	total := make([]string, len(r.Columns))
	total[0] = "合计"
	for i, c := range r.Columns {
		if v, ok := r.Totals[c.Key]; ok {
			total[i] = strconv.FormatInt(v, 10)
		}
	}
	return append(out, total)
}

// toCSV writes UTF-8 with a byte order mark, which Excel needs to read
// Chinese correctly.
func toCSV(r reports.Report) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.WriteAll(cells(r))
	return buf.Bytes()
}

func toXLSX(r reports.Report) ([]byte, error) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sheet := "Sheet1"
	for y, line := range cells(r) {
		for x, v := range line {
			cell, err := excelize.CoordinatesToCellName(x+1, y+1)
			if err != nil {
				return nil, err
			}
			var value any = v
			key := r.Columns[x].Key
			textual := strings.HasSuffix(key, "_code") || key == "month"
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && y > 0 && !textual {
				value = n
			}
			if err := f.SetCellValue(sheet, cell, value); err != nil {
				return nil, fmt.Errorf("report sheet: %w", err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("write report sheet: %w", err)
	}
	return buf.Bytes(), nil
}
