// Package certification owns enterprise certification (企业认证): an
// enterprise submits its business licence and its legal representative's
// identity card, and a reviewer of its county or city approves or rejects
// the submission. Approval is what makes an enterprise eligible for
// subsidies.
package certification

import (
	"context"
	"time"

	"shangyun/internal/files"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// Statuses of a certification.
const (
	StatusPending     = "pending"
	StatusApproved    = "approved"
	StatusRejected    = "rejected"
	StatusInvalidated = "invalidated"
)

// Image fields of a submission.
const (
	BusinessLicense = "business_license"
	IDCardFront     = "id_card_front"
	IDCardBack      = "id_card_back"
)

// Certification is one submission and its outcome.
type Certification struct {
	ID                  int64
	EnterpriseID        int64
	RegionCode          string
	CompanyName         string
	CreditCode          string
	LegalRepresentative string
	LegalRepID          string
	// Files by image field.
	Files      map[string]int64
	Status     string
	Reason     string
	DecidedBy  int64
	DecidedAt  *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Enterprise Enterprise
}

// Enterprise is what a reviewer sees of the submitting account.
type Enterprise struct {
	ID          int64
	Username    string
	CompanyName string
	ContactName string
	Email       string
	Phone       string
	RegionCode  string
}

// Filter selects certifications to list.
type Filter struct {
	EnterpriseID int64
	Status       string
	// Regions limits the list to enterprises of these counties; nil means
	// every region.
	Regions []string
	Page    paging.Request
}

// Store keeps certifications. Methods join the transaction ctx carries.
type Store interface {
	Create(ctx context.Context, c *Certification) error
	// Get returns a certification with its enterprise, or not_found.
	Get(ctx context.Context, id int64) (Certification, error)
	// Latest returns the newest certification of an enterprise; ok is
	// false when it has none.
	Latest(ctx context.Context, enterpriseID int64) (c Certification, ok bool, err error)
	List(ctx context.Context, f Filter) ([]Certification, int64, error)
	// Decide moves a pending certification to status; it returns
	// ErrNotPending when the certification is no longer pending.
	Decide(ctx context.Context, id int64, status, reason string, by int64, at time.Time) error
	// Invalidate turns the pending certification of an enterprise, if any,
	// into invalidated and reports whether there was one.
	Invalidate(ctx context.Context, enterpriseID int64, at time.Time) (bool, error)
	// CreditCodeApproved reports whether another enterprise holds an
	// approved certification with code.
	CreditCodeApproved(ctx context.Context, code string, exceptEnterprise int64) (bool, error)
}

// FileStore records uploaded files.
type FileStore interface {
	Create(ctx context.Context, f *files.File) error
	Get(ctx context.Context, id int64) (files.File, error)
}

// ErrNotPending is returned by Store.Decide for a decided certification.
var ErrNotPending = problem.New(problem.CodeAlreadyDecided, problem.Text{
	ZH: "该认证已被审核，不能再次审核。", EN: "This certification has been decided already."})

// imageLimits are the limits every certification image shares; the
// requirements endpoint publishes exactly these.
var imageLimits = files.Rule{
	Types:     []string{"image/jpeg", "image/png"},
	MaxBytes:  5 << 20,
	MinWidth:  600,
	MinHeight: 400,
	MaxWidth:  8000,
	MaxHeight: 8000,
}

// ImageRules returns the rule of each image field, in form order.
func ImageRules() []files.Rule {
	labels := []struct {
		field string
		label problem.Text
	}{
		{BusinessLicense, problem.Text{ZH: "营业执照", EN: "Business licence"}},
		{IDCardFront, problem.Text{ZH: "法人身份证正面（人像面）", EN: "ID card, photo side"}},
		{IDCardBack, problem.Text{ZH: "法人身份证反面（国徽面）", EN: "ID card, emblem side"}},
	}
	rules := make([]files.Rule, len(labels))
	for i, l := range labels {
		rules[i] = imageLimits
		rules[i].Field, rules[i].Label = l.field, l.label
	}
	return rules
}

// FormLimit is the largest certification form body: three images at their
// limit plus room for the text fields.
func FormLimit() int64 { return 3*imageLimits.MaxBytes + 256<<10 }

// Hints are shown under the upload form.
func Hints(lang string) []string {
	if lang == "en" {
		return []string{
			"Upload clear colour photos or scans of the originals, JPEG or PNG.",
			"The business licence must show the whole page with the unified social credit code.",
			"ID card photos must show all four corners; nothing may be covered.",
			"The county industry and IT bureau of your region reviews the submission; " +
				"the result is mailed to your registered email.",
		}
	}
	return []string{
		"请上传清晰的原件彩色照片或扫描件，格式为 JPEG 或 PNG。",
		"营业执照须完整拍摄，统一社会信用代码清晰可见。",
		"身份证照片须四角完整，不得遮挡。",
		"提交后由企业所在区县工信委审核，审核结果将发送至注册邮箱。",
	}
}
