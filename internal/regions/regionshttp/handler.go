// Package regionshttp serves the region tree over HTTP.
package regionshttp

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"shangyun/internal/httpx"
	"shangyun/internal/problem"
	"shangyun/internal/regions"
)

// RegionResponse is one administrative division.
type RegionResponse struct {
	Code       string  `json:"code" validate:"required" example:"410102"`
	ParentCode *string `json:"parent_code" validate:"required" extensions:"x-nullable" example:"410100"`
	Level      string  `json:"level" validate:"required" enums:"province,city,county"`
	Name       string  `json:"name" validate:"required" example:"中原区"`
} // @name Region

// Tree is what the handler needs of the regions.
type Tree interface {
	Children(parent string) ([]regions.Region, bool)
}

// Handler serves the region routes.
type Handler struct{ tree Tree }

// New returns a Handler.
func New(tree Tree) *Handler { return &Handler{tree: tree} }

// Routes registers the routes on pub.
func (h *Handler) Routes(pub *gin.RouterGroup) {
	pub.GET("/regions", h.list)
}

// list answers the children of a region.
//
//	@Summary		Children of a region
//	@Description	Without parent, the top of the tree (the province). A city's children
//	@Description	are its counties, the level enterprises register in.
//	@Tags			regions
//	@Produce		json
//	@Param			parent	query		string	false	"Six-digit code of the parent"	example(410000)
//	@Success		200		{array}		RegionResponse
//	@Failure		404		{object}	httpx.Problem	"not_found: no such parent"
//	@Failure		422		{object}	httpx.Problem	"validation_failed: parent is not six digits"
//	@Router			/api/v1/regions [get]
func (h *Handler) list(c *gin.Context) {
	parent := c.Query("parent")
	if parent != "" && !regions.ValidCode(parent) {
		httpx.Fail(c, problem.Validation(problem.Field{Field: "parent", Code: "region_code",
			Message: problem.Text{ZH: "须为六位数字", EN: "must be six digits"}}))
		return
	}
	rs, ok := h.tree.Children(parent)
	if !ok {
		httpx.Fail(c, problem.NotFound())
		return
	}
	out := make([]RegionResponse, len(rs))
	for i, r := range rs {
		out[i] = RegionResponse{Code: r.Code, Level: r.Level, Name: r.Name}
		if r.ParentCode != "" {
			p := r.ParentCode
			out[i].ParentCode = &p
		}
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.JSON(http.StatusOK, out)
}
