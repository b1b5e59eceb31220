// Package httpx is the HTTP plumbing every capability shares: problem
// responses, JSON binding and validation, pagination, authentication, and
// the middleware chain (request id, access log, recovery, CORS, limits,
// security headers, metrics).
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"

	"shangyun/internal/logging"
	"shangyun/internal/problem"
)

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string       `json:"type" validate:"required" example:"urn:shangyun:problem:validation_failed"`
	Title     string       `json:"title" validate:"required" example:"校验失败"`
	Status    int          `json:"status" validate:"required" example:"422"`
	Detail    string       `json:"detail" validate:"required"`
	Code      string       `json:"code" validate:"required" example:"validation_failed"`
	RequestID string       `json:"request_id" validate:"required"`
	Errors    []FieldError `json:"errors,omitempty"`
} // @name Problem

// FieldError is one failed rule of a request field.
type FieldError struct {
	Field   string `json:"field" validate:"required" example:"password"`
	Code    string `json:"code" validate:"required" example:"min"`
	Message string `json:"message" validate:"required"`
} // @name FieldError

var matcher = language.NewMatcher([]language.Tag{language.Chinese, language.English})

// Lang returns "en" when the client prefers English, "zh" otherwise.
func Lang(c *gin.Context) string {
	if v, ok := c.Get("lang"); ok {
		return v.(string)
	}
	lang := "zh"
	tags, _, err := language.ParseAcceptLanguage(c.GetHeader("Accept-Language"))
	if err == nil && len(tags) > 0 {
		if _, i, conf := matcher.Match(tags...); i == 1 && conf != language.No {
			lang = "en"
		}
	}
	c.Set("lang", lang)
	return lang
}

// Fail writes err as a problem and stops the handler chain. An error that
// is not a *problem.Error is logged and answered as 500 without its text.
func Fail(c *gin.Context, err error) {
	c.Error(err) //nolint:errcheck // recorded for the access log only
	writeProblem(c, asProblem(c, err))
}

// asProblem returns the problem err carries, logging its internal cause;
// an error that carries none is logged and becomes a bare internal
// problem, so that its text never reaches the client.
func asProblem(c *gin.Context, err error) *problem.Error {
	var p *problem.Error
	if !errors.As(err, &p) {
		slog.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(),
			"error", err.Error())
		return &problem.Error{Code: problem.CodeInternal,
			Detail: problem.Text{ZH: "服务器内部错误。", EN: "Internal server error."}}
	}
	if p.Err != nil {
		slog.WarnContext(c.Request.Context(), "request refused", "route", c.FullPath(),
			"code", p.Code, "error", p.Err.Error())
	}
	return p
}

func writeProblem(c *gin.Context, p *problem.Error) {
	status, body := render(c, p)
	c.AbortWithStatusJSON(status, body)
}

// Render turns err into the status and JSON body of its problem, logging
// what must be logged, without writing anything: for answers that are
// kept, such as idempotent ones.
func Render(c *gin.Context, err error) (int, []byte) {
	status, body := render(c, asProblem(c, err))
	b, _ := json.Marshal(body)
	return status, b
}

func render(c *gin.Context, p *problem.Error) (int, gin.H) {
	kind, ok := problem.Kinds[p.Code]
	if !ok {
		kind = problem.Kinds[problem.CodeInternal]
	}
	lang := Lang(c)
	body := gin.H{
		"type":       "urn:shangyun:problem:" + p.Code,
		"title":      kind.Title.In(lang),
		"status":     kind.Status,
		"detail":     p.Detail.In(lang),
		"code":       p.Code,
		"request_id": logging.RequestID(c.Request.Context()),
	}
	if len(p.Fields) > 0 {
		list := make([]FieldError, len(p.Fields))
		for i, f := range p.Fields {
			list[i] = FieldError{Field: f.Field, Code: f.Code, Message: f.Message.In(lang)}
		}
		body["errors"] = list
	}
	for k, v := range p.Extra {
		if _, taken := body[k]; !taken {
			body[k] = v
		}
	}
	if p.RetryAfter > 0 {
		secs := int(p.RetryAfter.Seconds() + 0.999)
		c.Header("Retry-After", strconv.Itoa(secs))
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Content-Language", lang)
	return kind.Status, body
}

// NoRoute answers unknown paths with a 404 problem.
func NoRoute(c *gin.Context) { Fail(c, problem.NotFound()) }

// NoMethod answers a known path with an unsupported method with 405.
func NoMethod(c *gin.Context) {
	Fail(c, problem.New(problem.CodeMethodNotAllowed, problem.Text{
		ZH: "此路径不支持 " + c.Request.Method + " 方法。",
		EN: "This path does not support " + c.Request.Method + ".",
	}))
}

// StatusOf returns the HTTP status a problem code maps to.
func StatusOf(code string) int {
	if k, ok := problem.Kinds[code]; ok {
		return k.Status
	}
	return http.StatusInternalServerError
}
