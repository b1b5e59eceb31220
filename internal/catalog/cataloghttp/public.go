package cataloghttp

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"shangyun/internal/catalog"
	"shangyun/internal/files"
	"shangyun/internal/httpx"
	"shangyun/internal/problem"
)

// PublicService is what the public reads need of the catalog rules.
type PublicService interface {
	Tree(ctx context.Context) ([]catalog.Category, error)
	CategoryPage(ctx context.Context, id int64) (catalog.Category, []catalog.CategoryProvider, error)
	CategoryImage(ctx context.Context, id int64) (files.File, io.ReadCloser, error)
	PublicProvider(ctx context.Context, id int64) (catalog.Provider, error)
	Logo(ctx context.Context, id int64) (files.File, io.ReadCloser, error)
	PublicProducts(ctx context.Context, f catalog.ProductFilter) ([]catalog.Product, int64, error)
	PublicProduct(ctx context.Context, id int64) (catalog.Product, error)
	Cover(ctx context.Context, id int64) (files.File, io.ReadCloser, error)
	AttachmentFile(ctx context.Context, productID, id int64) (files.File, io.ReadCloser, error)
}

// Public serves the catalog to everyone.
type Public struct{ svc PublicService }

// NewPublic returns a Public handler.
func NewPublic(svc PublicService) *Public { return &Public{svc: svc} }

// maxAge is how many seconds clients and shared caches may keep a public
// catalog answer before asking again with its ETag: a changed price or a
// withdrawn product shows within this time, and checkout prices from the
// database in any case.
const maxAge = 60

// Routes registers the public reads. The JSON ones carry an ETag and
// answer 304 to a client that already holds them.
func (h *Public) Routes(pub *gin.RouterGroup) {
	tagged := pub.Group("", httpx.Revalidated(maxAge))
	tagged.GET("/categories", h.tree)
	tagged.GET("/categories/:id", h.category)
	pub.GET("/categories/:id/image", h.categoryImage)
	tagged.GET("/providers/:id", h.provider)
	pub.GET("/providers/:id/logo", h.logo)
	tagged.GET("/products", h.products)
	tagged.GET("/products/:id", h.product)
	pub.GET("/products/:id/cover", h.cover)
	pub.GET("/products/:id/attachments/:attachment_id", h.attachment)
}

// serveFile answers a stored file, or the error that kept it.
func serveFile(c *gin.Context, f files.File, rc io.ReadCloser, err error) {
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	defer func() { _ = rc.Close() }()
	_ = files.Serve(c.Writer, f, rc)
}

// tree answers the category tree.
//
//	@Summary	The category tree
//	@Tags		catalog
//	@Produce	json
//	@Param		If-None-Match	header		string	false	"The ETag of an answer held already"
//	@Success	200				{array}		CategoryNode
//	@Header		200				{string}	ETag			"Digest of the answer, for If-None-Match"
//	@Header		200				{string}	Cache-Control	"public, max-age=60"
//	@Success	304				"Not modified: If-None-Match names the current ETag"
//	@Router		/api/v1/categories [get]
func (h *Public) tree(c *gin.Context) {
	tree, err := h.svc.Tree(c.Request.Context())
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	out := make([]CategoryNode, len(tree))
	for i, n := range tree {
		out[i] = toNode(n)
	}
	c.JSON(http.StatusOK, out)
}

// category answers a category's introduction page.
//
//	@Summary		A category's introduction
//	@Description	The introduction (产品介绍) and every approved provider with a published
//	@Description	product in the category, with its product count and lowest active price.
//	@Tags			catalog
//	@Produce		json
//	@Param			id				path		int		true	"Category id"
//	@Param			If-None-Match	header		string	false	"The ETag of an answer held already"
//	@Success		200				{object}	CategoryPage
//	@Header			200				{string}	ETag			"Digest of the answer, for If-None-Match"
//	@Header			200				{string}	Cache-Control	"public, max-age=60"
//	@Success		304				"Not modified: If-None-Match names the current ETag"
//	@Failure		404				{object}	httpx.Problem	"not_found"
//	@Router			/api/v1/categories/{id} [get]
func (h *Public) category(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	cat, providers, err := h.svc.CategoryPage(c.Request.Context(), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	page := CategoryPage{CategoryNode: toNode(cat), Providers: make([]CategoryProvider, len(providers))}
	for i, p := range providers {
		page.Providers[i] = CategoryProvider{ID: p.ProviderID, Name: p.Name,
			LogoURL:      optionalURL(p.LogoFileID, "providers", idString(p.ProviderID), "logo"),
			ProductCount: p.ProductCount, LowestPriceFen: optionalID(p.LowestPriceFen)}
	}
	c.JSON(http.StatusOK, page)
}

// categoryImage answers a category's image.
//
//	@Summary	A category's image
//	@Tags		catalog
//	@Produce	jpeg,png
//	@Param		id	path		int	true	"Category id"
//	@Success	200	{file}		file
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/categories/{id}/image [get]
func (h *Public) categoryImage(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		f, rc, err := h.svc.CategoryImage(c.Request.Context(), id)
		serveFile(c, f, rc, err)
	}
}

// provider answers a provider's public profile.
//
//	@Summary	A provider's public profile
//	@Tags		catalog
//	@Produce	json
//	@Param		id				path		int		true	"Provider (user) id"
//	@Param		If-None-Match	header		string	false	"The ETag of an answer held already"
//	@Success	200				{object}	ProviderResponse
//	@Header		200				{string}	ETag			"Digest of the answer, for If-None-Match"
//	@Header		200				{string}	Cache-Control	"public, max-age=60"
//	@Success	304				"Not modified: If-None-Match names the current ETag"
//	@Failure	404				{object}	httpx.Problem	"not_found, also for providers not approved"
//	@Router		/api/v1/providers/{id} [get]
func (h *Public) provider(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	p, err := h.svc.PublicProvider(c.Request.Context(), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toProvider(p, false))
}

// logo answers a provider's logo.
//
//	@Summary	A provider's logo
//	@Tags		catalog
//	@Produce	jpeg,png
//	@Param		id	path		int	true	"Provider (user) id"
//	@Success	200	{file}		file
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/providers/{id}/logo [get]
func (h *Public) logo(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		f, rc, err := h.svc.Logo(c.Request.Context(), id)
		serveFile(c, f, rc, err)
	}
}

var sorts = map[string]bool{"": true, catalog.SortNewest: true, catalog.SortPriceAsc: true,
	catalog.SortPriceDesc: true, catalog.SortRating: true}

// productFilter reads the list query shared by the public and provider
// lists.
func productFilter(c *gin.Context) (catalog.ProductFilter, error) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		return catalog.ProductFilter{}, err
	}
	f := catalog.ProductFilter{Page: page, Q: c.Query("q"), Sort: c.Query("sort")}
	var fs []problem.Field
	for name, dst := range map[string]*int64{"category_id": &f.CategoryID, "provider_id": &f.ProviderID} {
		if s, ok := c.GetQuery(name); ok {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n <= 0 {
				fs = append(fs, problem.Field{Field: name, Code: "gt",
					Message: problem.Text{ZH: "须为正整数", EN: "must be a positive integer"}})
			}
			*dst = n
		}
	}
	if !sorts[f.Sort] {
		fs = append(fs, problem.Field{Field: "sort", Code: "oneof", Message: problem.Text{
			ZH: "排序须为 newest、price_asc、price_desc 或 rating",
			EN: "must be newest, price_asc, price_desc or rating"}})
	}
	if utf8.RuneCountInString(f.Q) > 50 {
		fs = append(fs, problem.Field{Field: "q", Code: "max",
			Message: problem.Text{ZH: "搜索词最多 50 个字符", EN: "must be at most 50 characters"}})
	}
	if fs != nil {
		return catalog.ProductFilter{}, problem.Validation(fs...)
	}
	return f, nil
}

// products lists public products.
//
//	@Summary		Published products
//	@Description	Published products of approved providers. q matches part of the name or
//	@Description	summary (Chinese included). Prices sort by the lowest active spec;
//	@Description	rating puts unrated products last; ties go to the newest.
//	@Tags			catalog
//	@Produce		json
//	@Param			category_id		query		int		false	"Only this category"	minimum(1)
//	@Param			provider_id		query		int		false	"Only this provider"	minimum(1)
//	@Param			q				query		string	false	"Part of the name or summary"
//	@Param			sort			query		string	false	"Order"			Enums(newest,price_asc,price_desc,rating)
//	@Param			page			query		int		false	"Page, from 1"	minimum(1)
//	@Param			page_size		query		int		false	"Items a page"	minimum(1)	maximum(100)
//	@Param			If-None-Match	header		string	false	"The ETag of an answer held already"
//	@Success		200				{object}	ProductPage
//	@Header			200				{string}	ETag			"Digest of the answer, for If-None-Match"
//	@Header			200				{string}	Cache-Control	"public, max-age=60"
//	@Success		304				"Not modified: If-None-Match names the current ETag"
//	@Failure		422				{object}	httpx.Problem	"validation_failed"
//	@Router			/api/v1/products [get]
func (h *Public) products(c *gin.Context) {
	f, err := productFilter(c)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	items, total, err := h.svc.PublicProducts(c.Request.Context(), f)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toPage(items, f.Page.Page, f.Page.PageSize, total))
}

// product answers a public product.
//
//	@Summary	A published product with its active specs and attachments
//	@Tags		catalog
//	@Produce	json
//	@Param		id				path		int		true	"Product id"
//	@Param		If-None-Match	header		string	false	"The ETag of an answer held already"
//	@Success	200				{object}	ProductDetail
//	@Header		200				{string}	ETag			"Digest of the answer, for If-None-Match"
//	@Header		200				{string}	Cache-Control	"public, max-age=60"
//	@Success	304				"Not modified: If-None-Match names the current ETag"
//	@Failure	404				{object}	httpx.Problem	"not_found, also for drafts and unpublished products"
//	@Router		/api/v1/products/{id} [get]
func (h *Public) product(c *gin.Context) {
	id, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	p, err := h.svc.PublicProduct(c.Request.Context(), id)
	if err != nil {
		httpx.Fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toDetail(p))
}

// cover answers a public product's cover image.
//
//	@Summary	A product's cover image
//	@Tags		catalog
//	@Produce	jpeg,png
//	@Param		id	path		int	true	"Product id"
//	@Success	200	{file}		file
//	@Failure	404	{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/products/{id}/cover [get]
func (h *Public) cover(c *gin.Context) {
	if id, ok := httpx.PathID(c, "id"); ok {
		f, rc, err := h.svc.Cover(c.Request.Context(), id)
		serveFile(c, f, rc, err)
	}
}

// attachment downloads a document of a public product.
//
//	@Summary	A product's attachment (附件)
//	@Tags		catalog
//	@Produce	octet-stream
//	@Param		id				path		int	true	"Product id"
//	@Param		attachment_id	path		int	true	"Attachment id"
//	@Success	200				{file}		file
//	@Failure	404				{object}	httpx.Problem	"not_found"
//	@Router		/api/v1/products/{id}/attachments/{attachment_id} [get]
func (h *Public) attachment(c *gin.Context) {
	pid, ok := httpx.PathID(c, "id")
	if !ok {
		return
	}
	if aid, ok := httpx.PathID(c, "attachment_id"); ok {
		f, rc, err := h.svc.AttachmentFile(c.Request.Context(), pid, aid)
		serveFile(c, f, rc, err)
	}
}
