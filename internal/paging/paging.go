// Package paging names the page a list request asks for.
package paging

// Request is a page of a list: Page counts from 1.
type Request struct {
	Page     int
	PageSize int
}

// Offset is the number of items before the page.
func (r Request) Offset() int { return (r.Page - 1) * r.PageSize }
