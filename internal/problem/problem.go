// Package problem defines the errors that Shangyun shows to clients: a
// stable machine code, a message in Chinese and English, and for failed
// rules the list of fields. It knows nothing of HTTP beyond the status each
// code maps to, so that rules packages can return these errors directly.
package problem

import (
	"errors"
	"strings"
	"time"
)

// Text is a message in the two languages the API speaks.
type Text struct {
	ZH string
	EN string
}

// In returns the message in lang ("en" or anything else for Chinese).
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.ZH
}

// Field is one failed rule of a request field.
type Field struct {
	Field   string
	Code    string
	Message Text
}

// Error is an error a client may see. Err, when set, is the internal cause:
// it is logged but never shown.
type Error struct {
	Code       string
	Detail     Text
	Fields     []Field
	RetryAfter time.Duration
	// Extra members are added to the problem body, such as the current
	// status of an object that refused a transition.
	Extra map[string]any
	Err   error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Detail.EN != "" {
		b.WriteString(": " + e.Detail.EN)
	}
	for _, f := range e.Fields {
		b.WriteString("; " + f.Field + " " + f.Code)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with code and a detail message.
func New(code string, detail Text) *Error {
	return &Error{Code: code, Detail: detail}
}

// Validation returns a validation_failed error listing fields.
func Validation(fields ...Field) *Error {
	return &Error{
		Code:   CodeValidationFailed,
		Detail: Text{ZH: "请求中有字段不符合要求。", EN: "Some fields of the request break a rule."},
		Fields: fields,
	}
}

// NotFound returns the not_found error used for missing objects and for
// objects outside the caller's scope alike.
func NotFound() *Error {
	return New(CodeNotFound, Text{ZH: "对象不存在。", EN: "No such object."})
}

// Forbidden returns the error for a role that may never use a route.
func Forbidden() *Error {
	return New(CodeForbidden, Text{ZH: "当前角色无权执行此操作。", EN: "Your role may not do this."})
}

// Unauthenticated returns the error for a missing or invalid access token.
func Unauthenticated() *Error {
	return New(CodeUnauthenticated, Text{ZH: "请先登录。", EN: "A valid access token is required."})
}

// Unavailable wraps a failure of a dependency such as the database.
func Unavailable(err error) *Error {
	return &Error{
		Code:   CodeUnavailable,
		Detail: Text{ZH: "服务暂时不可用，请稍后再试。", EN: "A dependency is unreachable; try again later."},
		Err:    err,
	}
}

// CodeOf returns the code of err, or "" when err is not an *Error.
func CodeOf(err error) string {
	var p *Error
	if errors.As(err, &p) {
		return p.Code
	}
	return ""
}
