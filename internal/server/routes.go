package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	swaggerFiles "github.com/swaggo/files"
	ginSwagger "github.com/swaggo/gin-swagger"

	"shangyun/internal/accounts/accountshttp"
	"shangyun/internal/audit/audithttp"
	"shangyun/internal/auth"
	"shangyun/internal/benefits/benefitshttp"
	"shangyun/internal/cart/carthttp"
	"shangyun/internal/catalog/cataloghttp"
	"shangyun/internal/certification/certificationhttp"
	"shangyun/internal/database"
	"shangyun/internal/httpx"
	"shangyun/internal/orders/ordershttp"
	"shangyun/internal/problem"
	"shangyun/internal/regions/regionshttp"
	"shangyun/internal/reports/reportshttp"

	_ "shangyun/docs" // the generated OpenAPI document
)

func init() { gin.SetMode(gin.ReleaseMode) }

// router mounts the middleware chain and every route.
func (a *App) router() (*gin.Engine, error) {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	if err := r.SetTrustedProxies(a.Config.HTTP.TrustedProxies); err != nil {
		return nil, err
	}
	sqlDB, err := a.DB.DB()
	if err != nil {
		return nil, err
	}
	metrics := httpx.NewMetrics(sqlDB)
	limits := httpx.NewBodyLimits(a.Config.HTTP.BodyLimitBytes)

	r.Use(
		httpx.RequestID(),
		httpx.AccessLog(a.Log),
		httpx.Recovery(a.Log),
		metrics.Middleware(),
		httpx.SecurityHeaders(),
		httpx.CORS(a.Config.HTTP.CORSOrigins),
		limits.Middleware(),
	)
	r.NoRoute(httpx.NoRoute)
	r.NoMethod(httpx.NoMethod)

	r.GET("/healthz", healthz)
	r.GET("/readyz", a.readyz)
	r.GET("/metrics", serveMetrics(metrics))
	r.GET("/swagger/*any", ginSwagger.WrapHandler(swaggerFiles.Handler))

	v := httpx.NewValidator()
	pub := r.Group("/api/v1")
	signed := pub.Group("", httpx.RequireAuth(a.Accounts))

	accountshttp.New(a.Accounts, v).Routes(pub, signed)
	regionshttp.New(a.Regions).Routes(pub)
	certificationhttp.New(a.Certification, a.Uploads, v).Routes(pub, signed, limits)

	cataloghttp.NewPublic(a.Catalog).Routes(pub)
	prov := signed.Group("/provider", httpx.RequireRole(auth.RoleProvider))
	cataloghttp.NewProvider(a.Catalog, a.Uploads, v).Routes(prov, limits)

	admin := signed.Group("/admin", httpx.RequireRole(auth.RoleAdmin))
	accountshttp.NewAdmin(a.Accounts, a.Regions, v).Routes(admin)
	cataloghttp.NewAdmin(a.Catalog, a.Uploads, v).Routes(admin, limits)

	ent := signed.Group("", httpx.RequireRole(auth.RoleEnterprise))
	benefitshttp.New(a.Benefits, v).Routes(ent, admin)
	carthttp.New(a.Cart, v).Routes(ent)
	ordershttp.New(a.Checkout, a.Keys, v).Routes(ent)
	ordershttp.NewOrders(a.Orders, a.Uploads, v).Routes(pub, signed, limits)
	audithttp.New(a.AuditLog, a.Loc).Routes(admin)
	staff := signed.Group("", httpx.RequireRole(auth.RoleReviewer, auth.RoleAdmin))
	reportshttp.New(a.Reports, a.Loc).Routes(staff)
	return r, nil
}

// Health is the body of the health routes.
type Health struct {
	Status string `json:"status" validate:"required" example:"ok"`
} // @name Health

// healthz answers while the process runs.
//
//	@Summary	Liveness
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Router		/healthz [get]
func healthz(c *gin.Context) { c.JSON(http.StatusOK, Health{Status: "ok"}) }

// readyz answers 200 while the database is reachable and 503 otherwise.
//
//	@Summary	Readiness: the database is reachable
//	@Tags		operations
//	@Produce	json
//	@Success	200	{object}	Health
//	@Failure	503	{object}	httpx.Problem	"unavailable"
//	@Router		/readyz [get]
func (a *App) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := database.Ping(ctx, a.DB); err != nil {
		httpx.Fail(c, problem.Unavailable(err))
		return
	}
	c.JSON(http.StatusOK, Health{Status: "ready"})
}

// serveMetrics serves the metrics of m.
//
//	@Summary		Prometheus metrics
//	@Description	Requests and latency by route template and status, the database pool,
//	@Description	and the Go runtime, in the Prometheus text format.
//	@Tags			operations
//	@Produce		plain
//	@Success		200	{string}	string
//	@Router			/metrics [get]
func serveMetrics(m *httpx.Metrics) gin.HandlerFunc { return m.Handler() }
