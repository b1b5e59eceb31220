// Package demo loads the demo data a newcomer walks the product with: one
// account of each role. Loading twice changes nothing.
package demo

import (
	"context"
	"fmt"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/problem"
	"shangyun/internal/regions"
)

// Account is a demo account and its password, printed for the newcomer.
type Account struct {
	Role     auth.Role
	Username string
	Password string
	Note     string
}

// Accounts are the demo accounts. Their passwords are public: never load
// the demo data into a production database.
var Accounts = []Account{
	{auth.RoleAdmin, "demo_admin", "Guanli2026yun", "province-level administrator"},
	{auth.RoleReviewer, "demo_reviewer", "Shenhe2026yun", "reviewer of 郑州市 (410100)"},
	{auth.RoleEnterprise, "demo_enterprise", "Qiye2026yun", "enterprise in 中原区 (410102)"},
	{auth.RoleProvider, "demo_provider", "Fuwu2026yun", "approved cloud provider"},
}

// Seed creates the demo accounts that do not exist yet.
func Seed(ctx context.Context, svc *accounts.Service, dir *regions.Directory) error {
	for _, a := range Accounts {
		_, err := svc.UserByLogin(ctx, a.Username)
		if err == nil {
			continue
		}
		if problem.CodeOf(err) != problem.CodeNotFound {
			return err
		}
		if err := create(ctx, svc, dir, a); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
	}
	return nil
}

func create(ctx context.Context, svc *accounts.Service, dir *regions.Directory, a Account) error {
	email := a.Username + "@demo.shangyun.local"
	switch a.Role {
	case auth.RoleAdmin:
		_, err := svc.CreateStaff(ctx, dir, accounts.Staff{Role: a.Role, Username: a.Username,
			Email: email, Password: a.Password})
		return err
	case auth.RoleReviewer:
		_, err := svc.CreateStaff(ctx, dir, accounts.Staff{Role: a.Role, Username: a.Username,
			Email: email, Password: a.Password, RegionCode: "410100"})
		return err
	case auth.RoleEnterprise:
		_, err := svc.Register(ctx, accounts.Registration{AccountType: string(a.Role),
			Username: a.Username, Password: a.Password, Email: email, Phone: "13800000001",
			CompanyName: "郑州示范云科技有限公司", ContactName: "王经理", RegionCode: "410102"})
		return err
	}
	u, err := svc.Register(ctx, accounts.Registration{AccountType: string(a.Role),
		Username: a.Username, Password: a.Password, Email: email, Phone: "13800000002",
		CompanyName: "中原云服务有限公司", ContactName: "李工"})
	if err != nil {
		return err
	}
	return svc.ApproveProvider(ctx, u.ID)
}
