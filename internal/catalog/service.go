package catalog

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"shangyun/internal/audit"
	"shangyun/internal/files"
	"shangyun/internal/problem"
)

// FileStore records uploaded files.
type FileStore interface {
	Create(ctx context.Context, f *files.File) error
	Get(ctx context.Context, id int64) (files.File, error)
}

// Notifier tells a provider of an admin's decision on it. It runs inside
// the decision's transaction, so it must only record the message.
type Notifier interface {
	ProviderDecided(ctx context.Context, p Provider, approved bool, reason string) error
}

// Transactor runs a function in one database transaction.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Deps are what a Service works with.
type Deps struct {
	Store    Store
	Files    FileStore
	Blobs    files.Blobs
	Tx       Transactor
	Audit    audit.Recorder
	Notifier Notifier
	Now      func() time.Time
}

// Service carries out the catalog rules.
type Service struct{ Deps }

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// ImageRule is the rule of logos, covers and category images.
func ImageRule() files.Rule {
	return files.Rule{Field: "file", Types: []string{"image/jpeg", "image/png"},
		MaxBytes: 2 << 20, MinWidth: 64, MinHeight: 64, MaxWidth: 4096, MaxHeight: 4096}
}

// AttachmentRule is the rule of product attachments: documents, images
// and archives up to 20 MB.
func AttachmentRule() files.Rule {
	return files.Rule{Field: "file", MaxBytes: 20 << 20, Types: []string{
		"application/pdf",
		"application/msword",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.ms-excel",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.ms-powerpoint",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"image/jpeg", "image/png", "application/zip",
	}}
}

func field(name, code, zh, en string) problem.Field {
	return problem.Field{Field: name, Code: code, Message: problem.Text{ZH: zh, EN: en}}
}

func checkText(fs []problem.Field, name string, v *string, min, max int, oneLine bool) []problem.Field {
	if v == nil {
		return fs
	}
	n := utf8.RuneCountInString(strings.TrimSpace(*v))
	if n < min || n > max || (oneLine && strings.ContainsAny(*v, "\r\n")) {
		return append(fs, field(name, "length",
			"长度须在 "+itoa(min)+" 到 "+itoa(max)+" 个字符之间",
			"must be "+itoa(min)+" to "+itoa(max)+" characters"))
	}
	return fs
}

func trim(p *string) *string {
	if p == nil {
		return nil
	}
	t := strings.TrimSpace(*p)
	return &t
}

// file opens a stored file for download.
func (s *Service) file(ctx context.Context, id int64) (files.File, io.ReadCloser, error) {
	if id == 0 {
		return files.File{}, nil, problem.NotFound()
	}
	f, err := s.Files.Get(ctx, id)
	if err != nil {
		return files.File{}, nil, err
	}
	rc, err := s.Blobs.Open(ctx, f.Key)
	if err != nil {
		return files.File{}, nil, err
	}
	return f, rc, nil
}

// record stores an upload's record inside the transaction in ctx.
func (s *Service) record(ctx context.Context, f files.File) (int64, error) {
	if err := s.Files.Create(ctx, &f); err != nil {
		return 0, err
	}
	return f.ID, nil
}
