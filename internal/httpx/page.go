package httpx

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// ParsePage reads page (from 1, default 1) and page_size (1 to 100,
// default 20); anything else is a validation_failed problem.
func ParsePage(c *gin.Context) (paging.Request, error) {
	p := paging.Request{Page: 1, PageSize: 20}
	var fields []problem.Field
	if s, ok := c.GetQuery("page"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			fields = append(fields, problem.Field{Field: "page", Code: "range",
				Message: problem.Text{ZH: "页码须为 1 起的整数", EN: "must be an integer from 1"}})
		}
		p.Page = n
	}
	if s, ok := c.GetQuery("page_size"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			fields = append(fields, problem.Field{Field: "page_size", Code: "range",
				Message: problem.Text{ZH: "每页条数须在 1 到 100 之间", EN: "must be from 1 to 100"}})
		}
		p.PageSize = n
	}
	if fields != nil {
		return paging.Request{}, problem.Validation(fields...)
	}
	return p, nil
}

// DateRange reads the query dates from and to (YYYY-MM-DD, read in loc,
// both days included) as the half-open span [from, day after to); an
// absent end stays zero. Bad dates come back as field errors.
func DateRange(c *gin.Context, loc *time.Location) (from, to time.Time, fields []problem.Field) {
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		s := c.Query(name)
		if s == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", s, loc)
		if err != nil {
			fields = append(fields, problem.Field{Field: name, Code: "date",
				Message: problem.Text{ZH: "日期格式须为 YYYY-MM-DD", EN: "must be a date, YYYY-MM-DD"}})
		}
		*dst = d
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, fields
}

// PathID reads a positive integer id from the path parameter name. Any
// other value names no object, so it answers 404 not_found and returns
// false.
func PathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		Fail(c, problem.NotFound())
		return 0, false
	}
	return id, true
}
