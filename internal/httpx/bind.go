package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	entrans "github.com/go-playground/validator/v10/translations/en"
	zhtrans "github.com/go-playground/validator/v10/translations/zh"

	"shangyun/internal/problem"
)

// Validator checks request structs by their `validate` tags and names
// fields by their JSON names.
type Validator struct {
	v      *validator.Validate
	zh, en ut.Translator
}

// NewValidator returns a Validator with Chinese and English messages.
func NewValidator() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		for _, tag := range []string{"json", "form"} {
			name, _, _ := strings.Cut(f.Tag.Get(tag), ",")
			if name == "-" {
				return ""
			}
			if name != "" {
				return name
			}
		}
		return f.Name
	})

	uni := ut.New(en.New(), en.New(), zh.New())
	zhT, _ := uni.GetTranslator("zh")
	enT, _ := uni.GetTranslator("en")
	if err := zhtrans.RegisterDefaultTranslations(v, zhT); err != nil {
		panic(err)
	}
	if err := entrans.RegisterDefaultTranslations(v, enT); err != nil {
		panic(err)
	}
	return &Validator{v: v, zh: zhT, en: enT}
}

// Struct validates s and returns a validation_failed problem listing
// every failed field, or nil.
func (v *Validator) Struct(s any) error {
	err := v.v.Struct(s)
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return err
	}
	fields := make([]problem.Field, len(ves))
	for i, fe := range ves {
		fields[i] = problem.Field{
			Field:   fieldPath(fe),
			Code:    fe.Tag(),
			Message: problem.Text{ZH: fe.Translate(v.zh), EN: fe.Translate(v.en)},
		}
	}
	return problem.Validation(fields...)
}

// fieldPath is the JSON path of a field without the top struct's name.
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if _, rest, ok := strings.Cut(ns, "."); ok {
		return rest
	}
	return fe.Field()
}

// BindJSON decodes the JSON body into dst and validates it. It answers
// 400 malformed_body for anything that is not one JSON object of the right
// types, 413 past the body limit, and 422 for a failed rule. It returns
// false when it has written a problem.
func BindJSON(c *gin.Context, v *Validator, dst any) bool {
	if err := Decode(c.Request, v, dst); err != nil {
		Fail(c, err)
		return false
	}
	return true
}

// Decode is BindJSON without writing: it returns the problem instead.
func Decode(r *http.Request, v *Validator, dst any) error {
	if err := decodeJSON(r, dst); err != nil {
		return err
	}
	return v.Struct(dst)
}

func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return malformed("请求体须为 JSON（Content-Type: application/json）。",
				"The body must be JSON (Content-Type: application/json).")
		}
	}

	dec := json.NewDecoder(r.Body)
	err := dec.Decode(dst)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return malformed("请求体只能包含一个 JSON 对象。", "The body must hold a single JSON object.")
		}
		return nil
	}

	var maxErr *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		return TooLarge(maxErr.Limit)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		// The body itself is not an object; the Go type it missed means
		// nothing to a client.
		return malformed("请求体须为一个 JSON 对象。", "The body must be a JSON object.")
	case errors.As(err, &typeErr):
		p := malformed("字段 "+typeErr.Field+" 的类型不正确，应为 "+typeErr.Type.String()+"。",
			"Field "+typeErr.Field+" has the wrong type; want "+typeErr.Type.String()+".")
		p.Fields = []problem.Field{{Field: typeErr.Field, Code: "type",
			Message: problem.Text{ZH: "类型不正确", EN: "wrong type"}}}
		return p
	case errors.Is(err, io.EOF):
		return malformed("请求体为空。", "The body is empty.")
	default:
		return malformed("请求体不是有效的 JSON。", "The body is not valid JSON.")
	}
}

func malformed(zh, en string) *problem.Error {
	return problem.New(problem.CodeMalformedBody, problem.Text{ZH: zh, EN: en})
}

// TooLarge returns the payload_too_large problem for a limit in bytes.
func TooLarge(limit int64) *problem.Error {
	return &problem.Error{
		Code: problem.CodePayloadTooLarge,
		Detail: problem.Text{
			ZH: "请求体超过上限（" + humanBytes(limit) + "）。",
			EN: "The body is over its limit of " + humanBytes(limit) + ".",
		},
		Extra: map[string]any{"max_bytes": limit},
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " B"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
