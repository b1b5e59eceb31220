package certification

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"shangyun/internal/accounts"
	"shangyun/internal/audit"
	"shangyun/internal/auth"
	"shangyun/internal/files"
	"shangyun/internal/paging"
	"shangyun/internal/problem"
)

// Users is what certification needs of the accounts.
type Users interface {
	Lock(ctx context.Context, id int64) (accounts.User, error)
	SetCertified(ctx context.Context, id int64, company, creditCode string) error
}

// Regions is what certification needs of the region tree.
type Regions interface {
	Covers(ancestor, code string) bool
	CityOf(code string) string
	Subtree(ancestor string) []string
	Exists(code string) bool
}

// Notifier tells an enterprise of the decision on its certification. It
// runs inside the decision's transaction, so it must only record the
// message (in the outbox), never send it.
type Notifier interface {
	Decided(ctx context.Context, u accounts.User, c Certification) error
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
	Users    Users
	Regions  Regions
	Tx       Transactor
	Audit    audit.Recorder
	Notifier Notifier
	Now      func() time.Time
}

// Service carries out the certification rules.
type Service struct{ Deps }

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// Submission is what an enterprise sends: text fields and the three
// images, already received and checked against ImageRules.
type Submission struct {
	CompanyName         string
	CreditCode          string
	LegalRepresentative string
	LegalRepID          string
	Images              map[string]files.File
}

func field(name, code, zh, en string) problem.Field {
	return problem.Field{Field: name, Code: code, Message: problem.Text{ZH: zh, EN: en}}
}

func (s Submission) check() []problem.Field {
	var fs []problem.Field
	if n := utf8.RuneCountInString(strings.TrimSpace(s.CompanyName)); n < 2 || n > 100 {
		fs = append(fs, field("company_name", "length", "企业名称须为 2 到 100 个字符",
			"must be 2 to 100 characters"))
	}
	if !ValidCreditCode(s.CreditCode) {
		fs = append(fs, field("unified_social_credit_code", "check_digit",
			"统一社会信用代码须为 18 位且校验位正确（GB 32100）",
			"must be 18 characters with a valid check character (GB 32100)"))
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s.LegalRepresentative)); n < 1 || n > 50 {
		fs = append(fs, field("legal_representative", "length", "法定代表人姓名须为 1 到 50 个字符",
			"must be 1 to 50 characters"))
	}
	if !ValidIDNumber(s.LegalRepID) {
		fs = append(fs, field("legal_representative_id_number", "check_digit",
			"身份证号须为 18 位且校验位正确（GB 11643）",
			"must be 18 characters with a valid check character (GB 11643)"))
	}
	for _, r := range ImageRules() {
		if _, ok := s.Images[r.Field]; !ok {
			fs = append(fs, field(r.Field, "required", "请上传"+r.Label.ZH,
				r.Label.EN+" is required"))
		}
	}
	return fs
}

// Submit records a new certification of the enterprise, pending review.
// It answers validation_failed for broken fields, invalid_transition while
// another certification is pending or approved, and credit_code_taken
// when another enterprise is certified with the same code.
func (s *Service) Submit(ctx context.Context, enterpriseID int64, sub Submission) (Certification, error) {
	sub.CreditCode = strings.ToUpper(strings.TrimSpace(sub.CreditCode))
	sub.LegalRepID = strings.ToUpper(strings.TrimSpace(sub.LegalRepID))
	if fs := sub.check(); len(fs) > 0 {
		return Certification{}, problem.Validation(fs...)
	}

	var c Certification
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.Users.Lock(ctx, enterpriseID)
		if err != nil {
			return err
		}
		if err := s.checkCanSubmit(ctx, u, sub.CreditCode); err != nil {
			return err
		}
		c = Certification{EnterpriseID: u.ID, RegionCode: u.RegionCode,
			CompanyName: strings.TrimSpace(sub.CompanyName), CreditCode: sub.CreditCode,
			LegalRepresentative: strings.TrimSpace(sub.LegalRepresentative),
			LegalRepID:          sub.LegalRepID, Files: map[string]int64{},
			Status: StatusPending, CreatedAt: s.Now().UTC(), UpdatedAt: s.Now().UTC()}
		for name, f := range sub.Images {
			if err := s.Files.Create(ctx, &f); err != nil {
				return err
			}
			c.Files[name] = f.ID
		}
		if err := s.Store.Create(ctx, &c); err != nil {
			return err
		}
		return s.Audit.Record(ctx, audit.Entry{Action: "certification.submit",
			TargetType: "certification", TargetID: strconv.FormatInt(c.ID, 10),
			Detail: "credit_code=" + c.CreditCode})
	})
	return c, err
}

func (s *Service) checkCanSubmit(ctx context.Context, u accounts.User, code string) error {
	latest, ok, err := s.Store.Latest(ctx, u.ID)
	if err != nil {
		return err
	}
	if ok && (latest.Status == StatusPending || latest.Status == StatusApproved) {
		p := problem.New(problem.CodeInvalidTransition, problem.Text{
			ZH: "已有待审核或已通过的认证，不能重复提交。",
			EN: "A certification is already pending or approved."})
		p.Extra = map[string]any{"current_status": latest.Status}
		return p
	}
	taken, err := s.Store.CreditCodeApproved(ctx, code, u.ID)
	if err != nil {
		return err
	}
	if taken {
		return problem.New(problem.CodeCreditCodeTaken, problem.Text{
			ZH: "该统一社会信用代码已被其他企业认证。",
			EN: "Another enterprise is certified with this credit code."})
	}
	return nil
}

// Current returns the enterprise's newest certification, or not_found.
func (s *Service) Current(ctx context.Context, enterpriseID int64) (Certification, error) {
	c, ok, err := s.Store.Latest(ctx, enterpriseID)
	if err != nil {
		return Certification{}, err
	}
	if !ok {
		return Certification{}, problem.NotFound()
	}
	return c, nil
}

// History returns a page of the enterprise's certifications, newest first.
func (s *Service) History(ctx context.Context, enterpriseID int64,
	page paging.Request) ([]Certification, int64, error) {
	return s.Store.List(ctx, Filter{EnterpriseID: enterpriseID, Page: page})
}

// scope returns the region a staff member reviews: the province root for
// admins (every region), the bound region for reviewers.
func (s *Service) inScope(p auth.Principal, regionCode string) bool {
	if p.Role == auth.RoleAdmin {
		return true
	}
	return p.Role == auth.RoleReviewer && s.Regions.Covers(p.RegionCode, regionCode)
}

// Queue lists certifications a reviewer may see: those of enterprises in
// the reviewer's region, narrowed to regionCode when given (not_found when
// it lies outside the reviewer's region) and to status when given.
func (s *Service) Queue(ctx context.Context, p auth.Principal, status, regionCode string,
	page paging.Request) ([]Certification, int64, error) {
	f := Filter{Status: status, Page: page}
	switch {
	case regionCode != "":
		if !s.Regions.Exists(regionCode) || !s.inScope(p, regionCode) {
			return nil, 0, problem.NotFound()
		}
		f.Regions = s.Regions.Subtree(regionCode)
	case p.Role == auth.RoleReviewer:
		f.Regions = s.Regions.Subtree(p.RegionCode)
	}
	return s.Store.List(ctx, f)
}

// ForReview returns a certification a reviewer may see, or not_found.
func (s *Service) ForReview(ctx context.Context, p auth.Principal, id int64) (Certification, error) {
	c, err := s.Store.Get(ctx, id)
	if err != nil {
		return Certification{}, err
	}
	if !s.inScope(p, c.RegionCode) {
		return Certification{}, problem.NotFound()
	}
	return c, nil
}

// Image returns one image of a certification a reviewer may see, and its
// content, which the caller closes.
func (s *Service) Image(ctx context.Context, p auth.Principal, id int64,
	kind string) (files.File, io.ReadCloser, error) {
	c, err := s.ForReview(ctx, p, id)
	if err != nil {
		return files.File{}, nil, err
	}
	fileID, ok := c.Files[kind]
	if !ok {
		return files.File{}, nil, problem.NotFound()
	}
	f, err := s.Files.Get(ctx, fileID)
	if err != nil {
		return files.File{}, nil, err
	}
	rc, err := s.Blobs.Open(ctx, f.Key)
	if err != nil {
		return files.File{}, nil, fmt.Errorf("open certification image: %w", err)
	}
	return f, rc, nil
}

// Approve approves a pending certification in the reviewer's region and
// writes its company name and credit code into the enterprise's profile.
func (s *Service) Approve(ctx context.Context, p auth.Principal, id int64) (Certification, error) {
	return s.decide(ctx, p, id, StatusApproved, "")
}

// Reject rejects a pending certification with a reason the enterprise
// will read.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id int64,
	reason string) (Certification, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 500 {
		return Certification{}, problem.Validation(field("reason", "length",
			"驳回原因须为 2 到 500 个字符", "must be 2 to 500 characters"))
	}
	return s.decide(ctx, p, id, StatusRejected, reason)
}

// decide makes the decision, the profile change, the audit entry and the
// mail one transaction. Two reviewers deciding at once: the enterprise's
// row lock orders them, and the second finds the certification decided.
func (s *Service) decide(ctx context.Context, p auth.Principal, id int64, status,
	reason string) (Certification, error) {
	var c Certification
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = s.ForReview(ctx, p, id); err != nil {
			return err
		}
		u, err := s.Users.Lock(ctx, c.EnterpriseID)
		if err != nil {
			return err
		}
		now := s.Now().UTC()
		if err := s.Store.Decide(ctx, id, status, reason, p.UserID, now); err != nil {
			return err
		}
		if status == StatusApproved {
			err := s.Users.SetCertified(ctx, u.ID, c.CompanyName, c.CreditCode)
			if err != nil {
				return err
			}
		}
		c.Status, c.Reason, c.DecidedBy, c.DecidedAt, c.UpdatedAt = status, reason, p.UserID, &now, now
		err = s.Audit.Record(ctx, audit.Entry{Action: "certification." + verb(status),
			TargetType: "certification", TargetID: strconv.FormatInt(id, 10), Detail: reason})
		if err != nil {
			return err
		}
		return s.Notifier.Decided(ctx, u, c)
	})
	if errors.Is(err, ErrNotPending) {
		return Certification{}, ErrNotPending
	}
	return c, err
}

func verb(status string) string {
	if status == StatusApproved {
		return "approve"
	}
	return "reject"
}
