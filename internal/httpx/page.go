package httpx

import (
	"strconv"

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

// Page is the body of a paginated list.
type Page[T any] struct {
	Items    []T   `json:"items" validate:"required"`
	Page     int   `json:"page" validate:"required" example:"1"`
	PageSize int   `json:"page_size" validate:"required" example:"20"`
	Total    int64 `json:"total" validate:"required" example:"42"`
}

// NewPage builds a page body, never with null items.
func NewPage[T any](items []T, req paging.Request, total int64) Page[T] {
	if items == nil {
		items = []T{}
	}
	return Page[T]{Items: items, Page: req.Page, PageSize: req.PageSize, Total: total}
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
