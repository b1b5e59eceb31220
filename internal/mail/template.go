package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	texttemplate "text/template"
	"time"
)

// ErrUnknownTemplate is returned, wrapped, by Render for a name that has no
// template.
var ErrUnknownTemplate = errors.New("unknown mail template")

// SubjectPrefix starts every subject, so that recipients recognise the
// platform in their inbox.
const SubjectPrefix = "【企业上云公共服务平台】"

// Template names. Each names a pair of files in templates/: NAME.txt
// defines "subject" and "content" (plain text), NAME.html defines
// "content" (HTML). layout.txt and layout.html wrap every content with the
// platform's footer. Adding a notice means adding such a pair, a constant
// here and a data type below; nothing else changes.
const (
	TemplateCertificationApproved = "certification_approved"
	TemplateCertificationRejected = "certification_rejected"
	TemplateProviderApproved      = "provider_approved"
	TemplateProviderRejected      = "provider_rejected"
	TemplateOrderUpdate           = "order_update"
)

// OrderUpdate is the data of TemplateOrderUpdate: what happened to an
// order, told to the other party.
type OrderUpdate struct {
	Name         string
	OrderID      int64
	Counterparty string
	What         string
	Note         string
}

// CertificationApproved is the data of TemplateCertificationApproved.
// DecidedAt is shown in the location it carries: convert it to the
// platform's time zone first.
type CertificationApproved struct {
	CompanyName string
	ContactName string
	DecidedAt   time.Time
}

// CertificationRejected is the data of TemplateCertificationRejected.
type CertificationRejected struct {
	CompanyName string
	ContactName string
	Reason      string
}

// ProviderDecision is the data of TemplateProviderApproved and
// TemplateProviderRejected (which also shows Reason).
type ProviderDecision struct {
	CompanyName string
	ContactName string
	Reason      string
}

//go:embed templates
var templateFiles embed.FS

// pair is one notice in its two renderings.
type pair struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templates is parsed once at start-up: a template that does not parse is
// a programming error, caught by the package's tests, not at send time.
var templates = mustParseTemplates(templateFiles)

// funcs are the helpers every template may call.
var funcs = map[string]any{
	"datetime": func(t time.Time) string { return t.Format("2006年1月2日 15:04") },
}

func mustParseTemplates(fsys fs.FS) map[string]pair {
	names, err := fs.Glob(fsys, "templates/*.txt")
	if err != nil {
		panic(err)
	}

	out := map[string]pair{}
	for _, file := range names {
		name := strings.TrimSuffix(path.Base(file), ".txt")
		if name == "layout" {
			continue
		}
		text := texttemplate.Must(texttemplate.New(name).Funcs(funcs).
			Option("missingkey=error").
			ParseFS(fsys, "templates/layout.txt", "templates/"+name+".txt"))
		html := htmltemplate.Must(htmltemplate.New(name).Funcs(funcs).
			Option("missingkey=error").
			ParseFS(fsys, "templates/layout.html", "templates/"+name+".html"))
		out[name] = pair{text: text, html: html}
	}
	return out
}

// Render words the notice called name for one recipient. data is the
// notice's data type (CertificationApproved for
// TemplateCertificationApproved, and so on). Values are escaped in the
// HTML part; the subject gets SubjectPrefix and is made header-safe.
//
// It returns ErrUnknownTemplate for an unknown name, ErrInvalidMessage for
// a bad address, and an error naming the template when data lacks a field
// the template uses.
func Render(name, to, toName string, data any) (Message, error) {
	p, ok := templates[name]
	if !ok {
		return Message{}, fmt.Errorf("render %q: %w", name, ErrUnknownTemplate)
	}

	var subject, text, html bytes.Buffer
	if err := p.text.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Message{}, fmt.Errorf("render %s subject: %w", name, err)
	}
	if err := p.text.ExecuteTemplate(&text, "layout", data); err != nil {
		return Message{}, fmt.Errorf("render %s text: %w", name, err)
	}
	if err := p.html.ExecuteTemplate(&html, "layout", data); err != nil {
		return Message{}, fmt.Errorf("render %s html: %w", name, err)
	}

	m, err := Message{To: to, ToName: toName, Subject: SubjectPrefix + subject.String(),
		Text: text.String(), HTML: html.String()}.normalize()
	if err != nil {
		return Message{}, fmt.Errorf("render %s: %w", name, err)
	}
	return m, nil
}
