package demo

import (
	"bytes"
	"context"
	"fmt"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/catalog"
	"shangyun/internal/server"
)

// tree is the demo category tree: six areas, twenty leaves.
var tree = []struct {
	name, intro string
	leaves      []string
}{
	{"云基础设施", "计算、存储与网络等企业上云的基础资源。",
		[]string{"云主机", "云存储", "云服务器备份", "云数据库", "CDN加速", "云桌面"}},
	{"云应用", "面向日常经营的软件即服务。", []string{"企业邮箱", "协同办公", "视频会议", "客户关系管理"}},
	{"云安全", "保护上云业务与数据的安全服务。", []string{"主机安全", "Web应用防火墙", "数据加密"}},
	{"大数据与智能", "数据分析与人工智能能力。", []string{"数据分析", "人工智能服务"}},
	{"工业互联网", "设备联网与工业应用。", []string{"设备上云", "工业APP"}},
	{"信息化服务", "咨询、迁移与运维等专业服务。", []string{"上云咨询", "系统迁移", "运维托管"}},
}

type demoSpec struct {
	name  string
	price int64
	unit  string
}

type demoProduct struct {
	provider, leaf, name, summary string
	specs                         []demoSpec
}

var products = []demoProduct{
	{"demo_provider", "云主机", "弹性云主机 ECS", "按需付费、分钟级交付的企业级云服务器",
		[]demoSpec{{"1核2G 40G", 9900, catalog.BillingMonth}, {"2核4G 80G", 19900, catalog.BillingMonth},
			{"4核8G 100G", 39900, catalog.BillingMonth}, {"8核16G 200G 包年", 799900, catalog.BillingYear}}},
	{"demo_provider", "云服务器备份", "云服务器整机备份", "定时快照与一键恢复，数据多副本保存",
		[]demoSpec{{"100G 备份空间", 4900, catalog.BillingMonth}, {"500G 备份空间", 19900, catalog.BillingMonth}}},
	{"demo_provider", "云存储", "对象存储 OSS", "海量、安全、低成本的云端存储",
		[]demoSpec{{"标准存储 1TB", 12000, catalog.BillingMonth}, {"归档存储 10TB", 99900, catalog.BillingYear},
			{"数据迁移服务", 200000, catalog.BillingOneTime}}},
	{"demo_provider2", "企业邮箱", "黄河企业邮箱", "以企业域名收发邮件，支持移动端与反垃圾",
		[]demoSpec{{"20 用户", 99900, catalog.BillingYear}, {"100 用户", 399900, catalog.BillingYear}}},
	{"demo_provider2", "协同办公", "黄河协同办公平台", "审批、日程、文档与即时通讯一体化",
		[]demoSpec{{"基础版 50 人", 29900, catalog.BillingMonth}, {"专业版 200 人", 99900, catalog.BillingMonth},
			{"部署实施", 500000, catalog.BillingOneTime}}},
	{"demo_provider2", "数据分析", "经营数据分析看板", "连接业务数据，自动生成经营分析报表",
		[]demoSpec{{"标准版", 59900, catalog.BillingMonth}, {"高级版", 129900, catalog.BillingMonth}}},
	{"demo_provider3", "主机安全", "云主机安全防护", "入侵检测、漏洞扫描与基线检查",
		[]demoSpec{{"10 台主机", 39900, catalog.BillingMonth}, {"50 台主机", 159900, catalog.BillingMonth}}},
	{"demo_provider3", "Web应用防火墙", "嵩山 Web 应用防火墙", "防护 SQL 注入、跨站脚本与 CC 攻击",
		[]demoSpec{{"单域名", 69900, catalog.BillingMonth}, {"十域名", 299900, catalog.BillingMonth},
			{"包年十域名", 2999900, catalog.BillingYear}}},
	{"demo_provider3", "云主机", "安全加固云主机", "预装安全基线与防护代理的云服务器",
		[]demoSpec{{"2核4G 安全版", 25900, catalog.BillingMonth}, {"4核8G 安全版", 45900, catalog.BillingMonth}}},
}

// samplePDF is a minimal valid PDF, the demo products' attachment.
var samplePDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n")

// seedCatalog loads the tree and the providers' products once: it does
// nothing when categories exist.
func seedCatalog(ctx context.Context, app *server.App, providers map[string]accounts.User) error {
	existing, err := app.Catalog.Tree(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	leaves := map[string]int64{}
	for i, top := range tree {
		parent, err := app.Catalog.CreateCategory(ctx, catalog.NewCategory{Name: top.name,
			Introduction: top.intro, SortOrder: i})
		if err != nil {
			return err
		}
		for j, leaf := range top.leaves {
			c, err := app.Catalog.CreateCategory(ctx, catalog.NewCategory{ParentID: parent.ID,
				Name: leaf, Introduction: leaf + "：由平台认定的服务商提供，享受上云补贴。", SortOrder: j})
			if err != nil {
				return err
			}
			leaves[leaf] = c.ID
		}
	}

	for name, u := range providers {
		logo, err := image(ctx, app, u.ID, 240, 240)
		if err != nil {
			return err
		}
		if _, err := app.Catalog.SetLogo(ctx, u.ID, logo); err != nil {
			return err
		}
		desc := "平台认定的云服务商，提供咨询、部署与运维一站式服务。"
		if _, err := app.Catalog.UpdateProfile(ctx, u.ID, catalog.ProfileChange{Description: &desc}); err != nil {
			return fmt.Errorf("demo provider %s: %w", name, err)
		}
	}
	for _, p := range products {
		if err := seedProduct(ctx, app, providers[p.provider], leaves[p.leaf], p); err != nil {
			return fmt.Errorf("demo product %s: %w", p.name, err)
		}
	}
	return nil
}

func seedProduct(ctx context.Context, app *server.App, owner accounts.User, leaf int64,
	p demoProduct) error {
	who := auth.Principal{UserID: owner.ID, Role: auth.RoleProvider}
	desc := p.summary + "。适合中小企业上云，提供 7×24 小时技术支持。"
	made, err := app.Catalog.CreateProduct(ctx, who, catalog.ProductChange{CategoryID: &leaf,
		Name: &p.name, Summary: &p.summary, Description: &desc})
	if err != nil {
		return err
	}
	for _, sp := range p.specs {
		_, err := app.Catalog.AddSpec(ctx, who, made.ID, catalog.SpecChange{Name: &sp.name,
			PriceFen: &sp.price, BillingUnit: &sp.unit})
		if err != nil {
			return err
		}
	}
	cover, err := image(ctx, app, owner.ID, 640, 400)
	if err != nil {
		return err
	}
	if _, err := app.Catalog.SetCover(ctx, who, made.ID, cover); err != nil {
		return err
	}
	doc, err := app.Uploads.Receive(ctx, catalog.AttachmentRule(), p.name+"产品说明.pdf",
		bytes.NewReader(samplePDF), owner.ID)
	if err != nil {
		return err
	}
	if _, err := app.Catalog.AddAttachment(ctx, who, made.ID, doc); err != nil {
		return err
	}
	_, err = app.Catalog.Publish(ctx, who, made.ID)
	return err
}
