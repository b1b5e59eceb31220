package files

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"shangyun/internal/problem"
)

// Form is a parsed multipart upload: its text fields and accepted files.
type Form struct {
	Values map[string]string
	Files  map[string]File
}

// maxTextField bounds each text field of a multipart form.
const maxTextField = 16 << 10

// ReadForm streams a multipart/form-data body, checking each file part
// against the rule of its field as it is read. Text fields are kept up to
// 16 KiB; file parts of unknown fields are refused. A field that is
// missing is not an error here: the caller knows which are required. On
// any error the files already stored are discarded.
func (r *Receiver) ReadForm(ctx context.Context, req *http.Request, rules []Rule,
	uploader int64) (Form, error) {
	form := Form{Values: map[string]string{}, Files: map[string]File{}}
	mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return form, problem.New(problem.CodeMalformedBody, problem.Text{
			ZH: "请求体须为 multipart/form-data。", EN: "The body must be multipart/form-data."})
	}
	mr, err := req.MultipartReader()
	if err != nil {
		return form, malformedForm()
	}

	err = r.readParts(ctx, mr, rules, uploader, &form)
	if err != nil {
		for _, f := range form.Files {
			r.Discard(ctx, f)
		}
		return Form{}, err
	}
	return form, nil
}

func (r *Receiver) readParts(ctx context.Context, mr *multipart.Reader, rules []Rule,
	uploader int64, form *Form) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return partError(err)
		}
		if err := r.readPart(ctx, part, rules, uploader, form); err != nil {
			return err
		}
	}
}

func (r *Receiver) readPart(ctx context.Context, part *multipart.Part, rules []Rule,
	uploader int64, form *Form) error {
	defer func() { _ = part.Close() }()
	name := part.FormName()
	if part.FileName() == "" {
		b, err := io.ReadAll(io.LimitReader(part, maxTextField+1))
		if err != nil {
			return partError(err)
		}
		if len(b) > maxTextField {
			return problem.Validation(problem.Field{Field: name, Code: "max",
				Message: problem.Text{ZH: "字段过长", EN: "the field is too long"}})
		}
		form.Values[name] = string(b)
		return nil
	}

	for _, rule := range rules {
		if rule.Field != name {
			continue
		}
		if _, dup := form.Files[name]; dup {
			return problem.Validation(problem.Field{Field: name, Code: "duplicate",
				Message: problem.Text{ZH: "只能上传一个文件", EN: "only one file is accepted"}})
		}
		f, err := r.Receive(ctx, rule, part.FileName(), part, uploader)
		if err != nil {
			return err
		}
		form.Files[name] = f
		return nil
	}
	return problem.Validation(problem.Field{Field: name, Code: "unknown_file",
		Message: problem.Text{ZH: "不接受此文件字段", EN: "no file is accepted in this field"}})
}

// partError tells a body over its limit from a malformed one.
func partError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &problem.Error{Code: problem.CodePayloadTooLarge, Detail: problem.Text{
			ZH: "请求体超过上限。", EN: "The body is over its limit."},
			Extra: map[string]any{"max_bytes": maxErr.Limit}}
	}
	return malformedForm()
}

func malformedForm() error {
	return problem.New(problem.CodeMalformedBody, problem.Text{
		ZH: "multipart 请求体格式错误。", EN: "The multipart body is malformed."})
}
