package server

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"shangyun/internal/accounts"
	"shangyun/internal/accounts/accountsdb"
	"shangyun/internal/accounts/accountsredis"
	"shangyun/internal/audit/auditdb"
	"shangyun/internal/benefits"
	"shangyun/internal/benefits/benefitsdb"
	"shangyun/internal/cart"
	"shangyun/internal/cart/cartdb"
	"shangyun/internal/catalog"
	"shangyun/internal/catalog/catalogdb"
	"shangyun/internal/certification"
	"shangyun/internal/certification/certificationdb"
	"shangyun/internal/config"
	"shangyun/internal/database"
	"shangyun/internal/files"
	"shangyun/internal/files/filesdb"
	"shangyun/internal/files/s3store"
	"shangyun/internal/idempotency"
	"shangyun/internal/mail"
	"shangyun/internal/orders"
	"shangyun/internal/orders/ordersdb"
	"shangyun/internal/reports"
	"shangyun/internal/reports/reportsdb"
	"shangyun/internal/token"
)

// wire builds every capability's rules over the database.
func (a *App) wire(o Options) error {
	cfg := a.Config
	keys, err := signingKeys(cfg, a.Log)
	if err != nil {
		return err
	}
	issuer, err := token.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience,
		cfg.Auth.AccessTTL, o.Now)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return fmt.Errorf("time zone: %w", err)
	}

	tx := database.NewTransactor(a.DB)
	users := accountsdb.New(a.DB)
	blobs, err := openBlobs(cfg)
	if err != nil {
		return err
	}
	limiter, err := openLimiter(cfg, o.Now)
	if err != nil {
		return err
	}
	a.Uploads = files.NewReceiver(blobs, filepath.Join(cfg.DataDir, "tmp"), o.Now)
	outbox := mail.NewOutbox(a.DB, o.Now)

	a.Certification = certification.NewService(certification.Deps{
		Store: certificationdb.New(a.DB), Files: filesdb.New(a.DB), Blobs: blobs,
		Users: users, Regions: a.Regions, Tx: tx, Audit: auditdb.New(a.DB, o.Now),
		Notifier: certificationMail{outbox: outbox, loc: loc}, Now: o.Now,
	})
	a.Catalog = catalog.NewService(catalog.Deps{
		Store: catalogdb.New(a.DB), Files: filesdb.New(a.DB), Blobs: blobs, Tx: tx,
		Audit: auditdb.New(a.DB, o.Now), Notifier: providerMail{outbox: outbox}, Now: o.Now,
	})
	a.Benefits = benefits.NewService(benefits.Deps{
		Store: benefitsdb.New(a.DB), Regions: a.Regions, Categories: a.Catalog,
		Certifier: a.Certification, Users: users, Tx: tx, Audit: auditdb.New(a.DB, o.Now),
		Now: o.Now,
	})
	a.Cart = &cart.Service{Store: cartdb.New(a.DB), Tx: tx, Now: o.Now}
	a.Checkout = orders.NewCheckout(orders.Deps{
		Store: ordersdb.New(a.DB), Carts: cartdb.New(a.DB), Benefits: a.Benefits,
		Categories: a.Catalog, Tx: tx, Audit: auditdb.New(a.DB, o.Now), Now: o.Now,
	})
	a.Keys = idempotency.New(a.DB, o.Now)
	a.Reports = &reports.Service{Store: reportsdb.New(a.DB), Regions: a.Regions, Loc: loc}
	a.AuditLog = auditdb.New(a.DB, o.Now)
	a.Loc = loc
	a.Orders = orders.NewService(orders.ServiceDeps{
		Store: ordersdb.New(a.DB), Files: filesdb.New(a.DB), Blobs: blobs, Settler: a.Benefits,
		Regions: a.Regions, Tx: tx, Audit: auditdb.New(a.DB, o.Now),
		Notifier: orderMail{outbox: outbox, users: users}, Now: o.Now,
	})
	a.Accounts = accounts.NewService(accounts.Deps{
		Store: users, Tx: tx, Regions: a.Regions, Tokens: issuer,
		Limiter: limiter, Now: o.Now,
		Policy: accounts.Policy{
			RefreshTTL:       cfg.Auth.RefreshTTL,
			LockoutAttempts:  cfg.Auth.LockoutAttempts,
			LockoutDuration:  cfg.Auth.LockoutDuration,
			AddressPerMinute: cfg.Auth.AddressPerMinute,
		},
		Summarizers: []accounts.Summarizer{a.Certification, a.Benefits},
		Audit:       auditdb.New(a.DB, o.Now),
		Guards:      []accounts.ProfileGuard{a.Certification},
	})

	sender := o.MailSender
	if sender == nil {
		if sender, err = mail.NewSender(cfg.Mail, cfg.DataDir, a.Log); err != nil {
			return err
		}
	}
	a.Mail = mail.NewWorker(a.DB, sender, mail.WorkerConfig{Now: o.Now, Log: a.Log})
	return nil
}

// openBlobs returns where uploaded files go: S3-compatible storage when
// configured, the data folder otherwise.
func openBlobs(cfg config.Config) (files.Blobs, error) {
	if cfg.S3.Endpoint == "" {
		return files.NewDisk(filepath.Join(cfg.DataDir, "files")), nil
	}
	endpoint, secure, err := s3store.SplitEndpoint(cfg.S3.Endpoint)
	if err != nil {
		return nil, err
	}
	return s3store.New(endpoint, cfg.S3.Bucket, cfg.S3.AccessKey, cfg.S3.SecretKey, secure)
}

// openLimiter returns the sign-in limiter: shared through Redis when
// configured, in this process's memory otherwise.
func openLimiter(cfg config.Config, now func() time.Time) (accounts.Limiter, error) {
	if cfg.Redis.Addr == "" {
		return accounts.NewMemoryLimiter(now), nil
	}
	client, err := accountsredis.Dial(cfg.Redis.Addr)
	if err != nil {
		return nil, err
	}
	return accountsredis.New(client, cfg.Redis.Prefix), nil
}

// RunBackground runs the background work — the mail outbox — until ctx
// ends.
func (a *App) RunBackground(ctx context.Context) {
	a.Mail.Run(ctx, a.Config.Mail.PollInterval)
}

// certificationMail writes the decision mail into the outbox.
type certificationMail struct {
	outbox *mail.Outbox
	loc    *time.Location
}

func (m certificationMail) Decided(ctx context.Context, u accounts.User,
	c certification.Certification) error {
	var msg mail.Message
	var err error
	if c.Status == certification.StatusApproved {
		at := time.Now()
		if c.DecidedAt != nil {
			at = *c.DecidedAt
		}
		msg, err = mail.Render(mail.TemplateCertificationApproved, u.Email, u.ContactName,
			mail.CertificationApproved{CompanyName: c.CompanyName, ContactName: u.ContactName,
				DecidedAt: at.In(m.loc)})
	} else {
		msg, err = mail.Render(mail.TemplateCertificationRejected, u.Email, u.ContactName,
			mail.CertificationRejected{CompanyName: c.CompanyName, ContactName: u.ContactName,
				Reason: c.Reason})
	}
	if err != nil {
		return err
	}
	return m.outbox.Enqueue(ctx, msg)
}

// providerMail writes the mail of an admin's decision on a provider into
// the outbox.
type providerMail struct{ outbox *mail.Outbox }

func (m providerMail) ProviderDecided(ctx context.Context, p catalog.Provider, approved bool,
	reason string) error {
	name := mail.TemplateProviderRejected
	if approved {
		name = mail.TemplateProviderApproved
	}
	msg, err := mail.Render(name, p.Email, p.ContactName, mail.ProviderDecision{
		CompanyName: p.Name, ContactName: p.ContactName, Reason: reason})
	if err != nil {
		return err
	}
	return m.outbox.Enqueue(ctx, msg)
}

// orderMail tells the other party of an order what happened, through the
// outbox.
type orderMail struct {
	outbox *mail.Outbox
	users  interface {
		UserByID(ctx context.Context, id int64) (accounts.User, error)
	}
}

// orderWhat words each action for the mail's subject and text.
var orderWhat = map[string]string{
	orders.ActionUploadContract:         "已上传合同，请确认",
	orders.ActionAgreeContract:          "合同已确认，进入施工环节",
	orders.ActionRejectContract:         "合同被拒绝，请重新上传",
	orders.ActionUploadCompletionReport: "已上传竣工报告",
	orders.ActionUploadInvoice:          "已上传发票，交易完成",
	orders.ActionCancel:                 "已取消",
}

func (m orderMail) OrderChanged(ctx context.Context, o orders.Order, recipientID int64,
	action, note string) error {
	u, err := m.users.UserByID(ctx, recipientID)
	if err != nil {
		return err
	}
	other := o.ProviderName
	if recipientID == o.ProviderID {
		other = "采购企业编号 " + strconv.FormatInt(o.EnterpriseID, 10)
	}
	msg, err := mail.Render(mail.TemplateOrderUpdate, u.Email, u.ContactName, mail.OrderUpdate{
		Name: u.ContactName, OrderID: o.ID, Counterparty: other, What: orderWhat[action], Note: note})
	if err != nil {
		return err
	}
	return m.outbox.Enqueue(ctx, msg)
}
