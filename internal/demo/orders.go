package demo

import (
	"bytes"
	"context"
	"fmt"

	"shangyun/internal/accounts"
	"shangyun/internal/auth"
	"shangyun/internal/catalog"
	"shangyun/internal/files"
	"shangyun/internal/orders"
	"shangyun/internal/paging"
	"shangyun/internal/server"
)

// stageWalks are the steps that bring a demo order to each stage.
var stageWalks = [][]string{
	{},
	{orders.ActionUploadContract},
	{orders.ActionUploadContract, orders.ActionRejectContract},
	{orders.ActionUploadContract, orders.ActionAgreeContract},
	{orders.ActionUploadContract, orders.ActionAgreeContract, orders.ActionUploadCompletionReport},
	{orders.ActionUploadContract, orders.ActionAgreeContract, orders.ActionUploadCompletionReport,
		orders.ActionUploadInvoice},
	{orders.ActionCancel},
}

// seedOrders gives the certified demo enterprise one order in each stage,
// once: it does nothing when the enterprise has orders.
func seedOrders(ctx context.Context, app *server.App, ent accounts.User) error {
	buyer := auth.Principal{UserID: ent.ID, Role: auth.RoleEnterprise, RegionCode: ent.RegionCode}
	existing, _, err := app.Orders.List(ctx, buyer, "all", paging.Request{Page: 1, PageSize: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	products, _, err := app.Catalog.PublicProducts(ctx, catalog.ProductFilter{
		Sort: catalog.SortNewest, Page: paging.Request{Page: 1, PageSize: 20}})
	if err != nil {
		return err
	}
	for i, walk := range stageWalks {
		p, err := app.Catalog.PublicProduct(ctx, products[i%len(products)].ID)
		if err != nil {
			return err
		}
		line, err := app.Cart.Add(ctx, buyer, p.Specs[0].ID, 1)
		if err != nil {
			return err
		}
		q, err := app.Checkout.Place(ctx, ent.ID, []int64{line.ID}, nil)
		if err != nil {
			return err
		}
		o := q.Orders[0]
		seller := auth.Principal{UserID: o.ProviderID, Role: auth.RoleProvider}
		for _, action := range walk {
			if err := demoStep(ctx, app, buyer, seller, o.ID, action); err != nil {
				return fmt.Errorf("demo order %d %s: %w", o.ID, action, err)
			}
		}
		if len(walk) == 4 {
			_, err := app.Orders.Evaluate(ctx, buyer, o.ID, 5, "云服务运行稳定，服务商响应及时，部署顺利。")
			if err != nil {
				return err
			}
		}
	}
	return nil
}

var stageNotes = map[string]string{
	orders.ActionRejectContract: "合同中的服务期限与订单不一致，请修改后重新上传。",
	orders.ActionCancel:         "采购计划调整，暂不需要。",
}

func demoStep(ctx context.Context, app *server.App, buyer, seller auth.Principal, id int64,
	action string) error {
	who := seller
	if action == orders.ActionAgreeContract || action == orders.ActionRejectContract ||
		action == orders.ActionCancel {
		who = buyer
	}
	var file *files.File
	kind := map[string]string{orders.ActionUploadContract: orders.FileContract,
		orders.ActionUploadCompletionReport: orders.FileCompletionReport,
		orders.ActionUploadInvoice:          orders.FileInvoice}[action]
	if kind != "" {
		f, err := app.Uploads.Receive(ctx, files.Rule{Field: "file",
			Types: orders.FileTypes[kind], MaxBytes: 1 << 20}, kind+".pdf",
			bytes.NewReader(samplePDF), who.UserID)
		if err != nil {
			return err
		}
		file = &f
	}
	_, err := app.Orders.Act(ctx, who, id, action, stageNotes[action], file)
	return err
}
