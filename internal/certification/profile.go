package certification

import (
	"context"
	"strconv"

	"shangyun/internal/accounts"
	"shangyun/internal/audit"
	"shangyun/internal/auth"
	"shangyun/internal/problem"
)

// BeforeProfileChange applies the profile rules of certification: once
// approved, the company name and region are locked; while pending, moving
// the enterprise to another city (所属地市) invalidates the submission,
// since the reviewers of the old city can no longer decide it.
func (s *Service) BeforeProfileChange(ctx context.Context, u accounts.User,
	ch accounts.ProfileChange) (bool, error) {
	if u.Role != auth.RoleEnterprise {
		return false, nil
	}
	latest, ok, err := s.Store.Latest(ctx, u.ID)
	if err != nil || !ok {
		return false, err
	}

	nameChanges := ch.CompanyName != nil && *ch.CompanyName != u.CompanyName
	regionChanges := ch.RegionCode != nil && *ch.RegionCode != u.RegionCode
	switch latest.Status {
	case StatusApproved:
		if nameChanges || regionChanges {
			return false, problem.New(problem.CodeProfileLocked, problem.Text{
				ZH: "企业认证已通过，企业名称和所属区域不能再修改。",
				EN: "The certification is approved: company name and region are locked."})
		}
	case StatusPending:
		if regionChanges && s.Regions.CityOf(*ch.RegionCode) != s.Regions.CityOf(u.RegionCode) {
			done, err := s.Store.Invalidate(ctx, u.ID, s.Now().UTC())
			if err != nil || !done {
				return false, err
			}
			return true, s.Audit.Record(ctx, audit.Entry{Action: "certification.invalidate",
				TargetType: "certification", TargetID: strconv.FormatInt(latest.ID, 10),
				Detail: "city changed to " + s.Regions.CityOf(*ch.RegionCode)})
		}
	}
	return false, nil
}

// Summarize implements accounts.Summarizer: the latest certification and
// the prompt that goes with its state.
func (s *Service) Summarize(ctx context.Context, u accounts.User, lang string,
	sum *accounts.Summary) error {
	if u.Role != auth.RoleEnterprise {
		return nil
	}
	c, ok, err := s.Store.Latest(ctx, u.ID)
	if err != nil {
		return err
	}
	if ok {
		sum.Certification = &accounts.CertificationSummary{ID: c.ID, Status: c.Status,
			Reason: c.Reason}
	}
	status := ""
	if ok {
		status = c.Status
	}
	if p, show := prompt(status, c.Reason, lang); show {
		sum.Prompts = append(sum.Prompts, p)
	}
	return nil
}

func prompt(status, reason, lang string) (accounts.Prompt, bool) {
	var code string
	var msg problem.Text
	switch status {
	case "":
		code = "certification_required"
		msg = problem.Text{ZH: "您尚未进行企业认证，认证前下单无法享受政策优惠。",
			EN: "Your enterprise is not certified yet: orders placed before certification " +
				"get no subsidy."}
	case StatusPending:
		code = "certification_pending"
		msg = problem.Text{ZH: "企业认证正在审核中，结果将发送至您的邮箱。",
			EN: "Your certification is being reviewed; the result will be mailed to you."}
	case StatusRejected:
		code = "certification_rejected"
		msg = problem.Text{ZH: "企业认证未通过：" + reason + "。请修改后重新提交。",
			EN: "Your certification was rejected: " + reason + ". Please submit again."}
	case StatusInvalidated:
		code = "certification_invalidated"
		msg = problem.Text{ZH: "您修改了所属地市，原认证已失效，请重新提交企业认证。",
			EN: "You changed your city, so your certification must be submitted again."}
	default:
		return accounts.Prompt{}, false
	}
	return accounts.Prompt{Code: code, Message: msg.In(lang)}, true
}

// Certified reports whether the enterprise's newest certification is
// approved: the condition of every subsidy.
func (s *Service) Certified(ctx context.Context, enterpriseID int64) (bool, error) {
	c, ok, err := s.Store.Latest(ctx, enterpriseID)
	return ok && c.Status == StatusApproved, err
}
