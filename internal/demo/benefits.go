package demo

import (
	"context"
	"time"

	"shangyun/internal/accounts"
	"shangyun/internal/benefits"
	"shangyun/internal/paging"
	"shangyun/internal/server"
)

// seedPolicies makes the demo policies once — a province-wide one and one
// for Zhengzhou only — and has the certified demo enterprise claim the
// first.
func seedPolicies(ctx context.Context, app *server.App, certified accounts.User) error {
	existing, _, err := app.Benefits.Policies(ctx, "", paging.Request{Page: 1, PageSize: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	from := app.Now().UTC().Add(-24 * time.Hour).Truncate(time.Hour)
	until := time.Date(from.Year()+1, 12, 31, 16, 0, 0, 0, time.UTC) // 31 Dec, midnight in China
	province, err := policy(ctx, app, "河南省中小企业上云补贴",
		"对通过企业认证的中小企业购买云产品给予 30% 补贴，单笔订单最高 5000 元，每家企业累计最高 1 万元。",
		3000, 500000, 1000000, 100000000, nil, from, until)
	if err != nil {
		return err
	}
	if _, err := policy(ctx, app, "郑州市云安全专项补贴",
		"郑州市企业购买云安全产品给予 20% 补贴，单笔最高 2000 元，每家企业累计最高 5000 元。",
		2000, 200000, 500000, 20000000, []string{"410100"}, from, until); err != nil {
		return err
	}
	_, err = app.Benefits.Claim(ctx, certified.ID, province.ID)
	return err
}

func policy(ctx context.Context, app *server.App, name, desc string, rate int, capFen, quota,
	budget int64, regions []string, from, until time.Time) (benefits.Policy, error) {
	if regions == nil {
		regions = []string{}
	}
	p, err := app.Benefits.CreatePolicy(ctx, benefits.PolicyInput{Name: &name, Description: &desc,
		DiscountRate: &rate, PerOrderCapFen: &capFen, PerEnterpriseQuotaFen: &quota,
		TotalBudgetFen: &budget, RegionCodes: &regions, ValidFrom: &from, ValidUntil: &until})
	if err != nil {
		return benefits.Policy{}, err
	}
	return app.Benefits.Activate(ctx, p.ID)
}
