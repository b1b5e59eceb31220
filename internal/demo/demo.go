// Package demo loads the demo data a newcomer walks the product with:
// accounts of every role, a certified enterprise and one waiting for
// review. Loading twice changes nothing.
package demo

import (
	"bytes"
	"context"
	"fmt"
	stdimage "image"
	"image/color"
	"image/png"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/catalog"
	"shangyun/internal/certification"
	"shangyun/internal/files"
	"shangyun/internal/problem"
	"shangyun/internal/server"
)

// Account is a demo account and its password, printed for the newcomer.
type Account struct {
	Role     auth.Role
	Username string
	Password string
	Region   string
	Note     string
}

// Accounts are the demo accounts. Their passwords are public: never load
// the demo data into a production database.
var Accounts = []Account{
	{auth.RoleAdmin, "demo_admin", "Guanli2026yun", "", "province-level administrator"},
	{auth.RoleReviewer, "demo_reviewer", "Shenhe2026yun", "410100", "reviewer of 郑州市, all its counties"},
	{auth.RoleReviewer, "demo_reviewer_zy", "Shenhe2026zy", "410102", "reviewer of 中原区 only"},
	{auth.RoleReviewer, "demo_reviewer_js", "Shenhe2026js", "410105", "reviewer of 金水区 only"},
	{auth.RoleEnterprise, "demo_enterprise", "Qiye2026yun", "410102", "certified enterprise in 中原区"},
	{auth.RoleEnterprise, "demo_pending", "Qiye2026dai", "410105", "enterprise in 金水区, certification pending"},
	{auth.RoleProvider, "demo_provider", "Fuwu2026yun", "", "approved provider: hosts, backup, storage"},
	{auth.RoleProvider, "demo_provider2", "Fuwu2026hh", "", "approved provider: mail, office, data"},
	{auth.RoleProvider, "demo_provider3", "Fuwu2026ss", "", "approved provider: security"},
}

// companies are the demo enterprises' registered names and credit codes.
var companies = map[string]struct{ name, code, phone string }{
	"demo_enterprise": {"郑州示范云科技有限公司", "91410102MA0000001T", "13800000001"},
	"demo_pending":    {"金水数智信息技术有限公司", "91410105MA00000029", "13800000003"},
	"demo_provider":   {"中原云服务有限公司", "", "13800000002"},
	"demo_provider2":  {"黄河数据科技有限公司", "", "13800000004"},
	"demo_provider3":  {"嵩山信息安全有限公司", "", "13800000005"},
}

// Seed creates what does not exist yet.
func Seed(ctx context.Context, app *server.App) error {
	made := map[string]accounts.User{}
	for _, a := range Accounts {
		u, err := app.Accounts.UserByLogin(ctx, a.Username)
		if problem.CodeOf(err) == problem.CodeNotFound {
			u, err = create(ctx, app, a)
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
		made[a.Username] = u
	}
	reviewer := made["demo_reviewer"]
	staff := auth.Principal{UserID: reviewer.ID, Role: auth.RoleReviewer, RegionCode: reviewer.RegionCode}
	if err := certify(ctx, app, made["demo_enterprise"], &staff); err != nil {
		return err
	}
	if err := certify(ctx, app, made["demo_pending"], nil); err != nil {
		return err
	}
	providers := map[string]accounts.User{}
	for _, a := range Accounts {
		if a.Role == auth.RoleProvider {
			providers[a.Username] = made[a.Username]
		}
	}
	if err := seedCatalog(ctx, app, providers); err != nil {
		return err
	}
	if err := seedPolicies(ctx, app, made["demo_enterprise"]); err != nil {
		return err
	}
	return seedOrders(ctx, app, made["demo_enterprise"])
}

func create(ctx context.Context, app *server.App, a Account) (accounts.User, error) {
	email := a.Username + "@demo.shangyun.local"
	svc := app.Accounts
	switch a.Role {
	case auth.RoleAdmin, auth.RoleReviewer:
		return svc.CreateStaff(ctx, app.Regions, accounts.Staff{Role: a.Role,
			Username: a.Username, Email: email, Password: a.Password, RegionCode: a.Region})
	}
	co := companies[a.Username]
	u, err := svc.Register(ctx, accounts.Registration{AccountType: string(a.Role),
		Username: a.Username, Password: a.Password, Email: email, Phone: co.phone,
		CompanyName: co.name, ContactName: "王经理", RegionCode: a.Region})
	if err != nil || a.Role != auth.RoleProvider {
		return u, err
	}
	_, err = app.Catalog.ApproveProvider(ctx, u.ID)
	return u, err
}

// certify submits the enterprise's certification, with generated images,
// unless it has one; approver, when given, approves it.
func certify(ctx context.Context, app *server.App, u accounts.User, approver *auth.Principal) error {
	if _, err := app.Certification.Current(ctx, u.ID); problem.CodeOf(err) != problem.CodeNotFound {
		return err
	}
	images := map[string]files.File{}
	for _, rule := range certification.ImageRules() {
		f, err := app.Uploads.Receive(ctx, rule, rule.Field+".png",
			bytes.NewReader(sample(rule.MinWidth+200, rule.MinHeight+150, 0)), u.ID)
		if err != nil {
			return fmt.Errorf("demo image: %w", err)
		}
		images[rule.Field] = f
	}
	co := companies[u.Username]
	c, err := app.Certification.Submit(ctx, u.ID, certification.Submission{
		CompanyName: co.name, CreditCode: co.code, LegalRepresentative: "王建国",
		LegalRepID: "410102199003071230", Images: images})
	if err != nil || approver == nil {
		return err
	}
	_, err = app.Certification.Approve(ctx, *approver, c.ID)
	return err
}

// image stores a generated picture as an upload of uploader.
func image(ctx context.Context, app *server.App, uploader int64, w, h int) (files.File, error) {
	return app.Uploads.Receive(ctx, catalog.ImageRule(), "demo.png",
		bytes.NewReader(sample(w, h, uploader)), uploader)
}

// sample draws a plain placeholder picture, tinted by seed.
func sample(w, h int, seed int64) []byte {
	img := stdimage.NewRGBA(stdimage.Rect(0, 0, w, h))
	tint := [...]uint8{0, 20, 40}[seed%3]
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(200 + x%40), uint8(210+y%30) - tint, 230, 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
