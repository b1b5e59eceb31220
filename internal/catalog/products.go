package catalog

import (
	"context"
	"io"

	"shangyun/internal/auth"
	"shangyun/internal/files"
	"shangyun/internal/problem"
)

// MaxPriceFen bounds a spec's price: ¥100,000,000.
const MaxPriceFen = 10_000_000_000

// PublicProducts lists published products of public providers.
func (s *Service) PublicProducts(ctx context.Context, f ProductFilter) ([]Product, int64, error) {
	f.PublicOnly = true
	return s.Store.ListProducts(ctx, f)
}

// PublicProduct returns a public product with its active specs and its
// attachments.
func (s *Service) PublicProduct(ctx context.Context, id int64) (Product, error) {
	p, err := s.Store.Product(ctx, id)
	if err != nil {
		return Product{}, err
	}
	if !p.Public() {
		return Product{}, problem.NotFound()
	}
	return s.withParts(ctx, p, true)
}

func (s *Service) withParts(ctx context.Context, p Product, activeOnly bool) (Product, error) {
	specs, err := s.Store.Specs(ctx, p.ID)
	if err != nil {
		return Product{}, err
	}
	p.Specs = []Spec{}
	for _, sp := range specs {
		if sp.Active || !activeOnly {
			p.Specs = append(p.Specs, sp)
		}
	}
	if p.Attachments, err = s.Store.Attachments(ctx, p.ID); err != nil {
		return Product{}, err
	}
	return p, nil
}

// owned returns a product of the calling provider; anyone else's is
// not_found.
func (s *Service) owned(ctx context.Context, caller auth.Principal, id int64, lock bool) (Product, error) {
	get := s.Store.Product
	if lock {
		get = s.Store.LockProduct
	}
	p, err := get(ctx, id)
	if err != nil {
		return Product{}, err
	}
	if caller.Role != auth.RoleProvider || p.ProviderID != caller.UserID {
		return Product{}, problem.NotFound()
	}
	return p, nil
}

// OwnProducts lists the calling provider's products, in any status.
func (s *Service) OwnProducts(ctx context.Context, caller auth.Principal,
	f ProductFilter) ([]Product, int64, error) {
	f.PublicOnly = false
	f.ProviderID = caller.UserID
	return s.Store.ListProducts(ctx, f)
}

// OwnProduct returns one of the calling provider's products with every
// spec, active or not.
func (s *Service) OwnProduct(ctx context.Context, caller auth.Principal, id int64) (Product, error) {
	p, err := s.owned(ctx, caller, id, false)
	if err != nil {
		return Product{}, err
	}
	return s.withParts(ctx, p, false)
}

// checkLeaf adds a field error unless id names a second-level category.
func (s *Service) checkLeaf(ctx context.Context, fs []problem.Field, id int64) ([]problem.Field, error) {
	c, err := s.Store.Category(ctx, id)
	if problem.CodeOf(err) == problem.CodeNotFound || (err == nil && c.ParentID == 0) {
		return append(fs, field("category_id", "leaf", "须为二级分类",
			"must be a second-level category")), nil
	}
	return fs, err
}

// CreateProduct adds a draft product. Unapproved providers may draft.
func (s *Service) CreateProduct(ctx context.Context, caller auth.Principal,
	in ProductChange) (Product, error) {
	var fs []problem.Field
	if in.Name == nil {
		in.Name = new(string)
	}
	fs = checkText(fs, "name", in.Name, 2, 100, true)
	fs = checkText(fs, "summary", in.Summary, 0, 300, true)
	fs = checkText(fs, "description", in.Description, 0, 10000, false)
	if in.CategoryID == nil {
		in.CategoryID = new(int64)
	}
	fs, err := s.checkLeaf(ctx, fs, *in.CategoryID)
	if err != nil {
		return Product{}, err
	}
	if len(fs) > 0 {
		return Product{}, problem.Validation(fs...)
	}

	now := s.Now().UTC()
	p := Product{ProviderID: caller.UserID, CategoryID: *in.CategoryID, Name: *trim(in.Name),
		Status: StatusDraft, CreatedAt: now, UpdatedAt: now}
	if in.Summary != nil {
		p.Summary = *trim(in.Summary)
	}
	if in.Description != nil {
		p.Description = *trim(in.Description)
	}
	err = s.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateProduct(ctx, &p); err != nil {
			return err
		}
		return s.audit(ctx, "product.create", "product", p.ID, p.Name)
	})
	if err != nil {
		return Product{}, err
	}
	return s.OwnProduct(ctx, caller, p.ID)
}

// UpdateProduct edits a product of the calling provider.
func (s *Service) UpdateProduct(ctx context.Context, caller auth.Principal, id int64,
	ch ProductChange) (Product, error) {
	var fs []problem.Field
	fs = checkText(fs, "name", ch.Name, 2, 100, true)
	fs = checkText(fs, "summary", ch.Summary, 0, 300, true)
	fs = checkText(fs, "description", ch.Description, 0, 10000, false)
	if ch.CategoryID != nil {
		var err error
		if fs, err = s.checkLeaf(ctx, fs, *ch.CategoryID); err != nil {
			return Product{}, err
		}
	}
	if len(fs) > 0 {
		return Product{}, problem.Validation(fs...)
	}
	ch.Name, ch.Summary, ch.Description = trim(ch.Name), trim(ch.Summary), trim(ch.Description)

	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.owned(ctx, caller, id, true); err != nil {
			return err
		}
		return s.Store.UpdateProduct(ctx, id, ch, s.Now().UTC())
	})
	if err != nil {
		return Product{}, err
	}
	return s.OwnProduct(ctx, caller, id)
}

// Publish makes a product public. The provider must be approved
// (provider_not_approved), the product must not be held by an admin
// (unpublished_by_admin) and needs an active spec. Publishing a published
// product changes nothing.
func (s *Service) Publish(ctx context.Context, caller auth.Principal, id int64) (Product, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		p, err := s.owned(ctx, caller, id, true)
		if err != nil {
			return err
		}
		switch {
		case !p.ProviderPublic:
			return problem.New(problem.CodeProviderNotApproved, problem.Text{
				ZH: "服务商尚未通过审核，暂不能发布产品。",
				EN: "Your provider account is not approved yet; products cannot be published."})
		case p.Blocked:
			return problem.New(problem.CodeUnpublishedByAdmin, problem.Text{
				ZH: "该产品已被管理员下架：" + p.BlockReason,
				EN: "An admin unpublished this product: " + p.BlockReason})
		case p.Status == StatusPublished:
			return nil
		case p.MinPriceFen == 0:
			return problem.Validation(field("specs", "active_spec",
				"至少需要一个有效规格才能发布", "an active spec is needed to publish"))
		}
		if err := s.Store.SetProductState(ctx, id, StatusPublished, false, "", s.Now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, "product.publish", "product", id, "")
	})
	if err != nil {
		return Product{}, err
	}
	return s.OwnProduct(ctx, caller, id)
}

// Unpublish takes a product of the calling provider out of the catalog.
func (s *Service) Unpublish(ctx context.Context, caller auth.Principal, id int64) (Product, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		p, err := s.owned(ctx, caller, id, true)
		if err != nil || p.Status != StatusPublished {
			return err
		}
		if err := s.Store.SetProductState(ctx, id, StatusUnpublished, p.Blocked, p.BlockReason,
			s.Now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, "product.unpublish", "product", id, "")
	})
	if err != nil {
		return Product{}, err
	}
	return s.OwnProduct(ctx, caller, id)
}

// AdminUnpublish takes any product out of the catalog with a reason; its
// provider cannot publish it again until an admin unblocks it.
func (s *Service) AdminUnpublish(ctx context.Context, id int64, reason string) (Product, error) {
	var fs []problem.Field
	if fs = checkText(fs, "reason", &reason, 2, 500, false); len(fs) > 0 {
		return Product{}, problem.Validation(fs...)
	}
	return s.adminSet(ctx, id, "product.admin_unpublish", reason, func(p Product) (string, bool) {
		return StatusUnpublished, true
	})
}

// Unblock lets the provider publish an admin-unpublished product again;
// the product stays unpublished until it does.
func (s *Service) Unblock(ctx context.Context, id int64) (Product, error) {
	return s.adminSet(ctx, id, "product.unblock", "", func(p Product) (string, bool) {
		return p.Status, false
	})
}

// errNotBlocked refuses to unblock a product no admin holds.
var errNotBlocked = problem.New(problem.CodeInvalidTransition, problem.Text{
	ZH: "该产品未被管理员下架。", EN: "No admin holds this product."})

func (s *Service) adminSet(ctx context.Context, id int64, action, reason string,
	next func(Product) (string, bool)) (Product, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		p, err := s.Store.LockProduct(ctx, id)
		if err != nil {
			return err
		}
		if action == "product.unblock" && !p.Blocked {
			return errNotBlocked
		}
		status, blocked := next(p)
		if err := s.Store.SetProductState(ctx, id, status, blocked, reason, s.Now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, action, "product", id, reason)
	})
	if err != nil {
		return Product{}, err
	}
	p, err := s.Store.Product(ctx, id)
	if err != nil {
		return Product{}, err
	}
	return s.withParts(ctx, p, false)
}

// SetCover records an uploaded image as the product's cover.
func (s *Service) SetCover(ctx context.Context, caller auth.Principal, id int64,
	f files.File) (Product, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.owned(ctx, caller, id, true); err != nil {
			return err
		}
		fileID, err := s.record(ctx, f)
		if err != nil {
			return err
		}
		return s.Store.SetProductCover(ctx, id, fileID, s.Now().UTC())
	})
	if err != nil {
		return Product{}, err
	}
	return s.OwnProduct(ctx, caller, id)
}

// Cover returns a public product's cover image and its content.
func (s *Service) Cover(ctx context.Context, id int64) (files.File, io.ReadCloser, error) {
	p, err := s.Store.Product(ctx, id)
	if err != nil {
		return files.File{}, nil, err
	}
	if !p.Public() {
		return files.File{}, nil, problem.NotFound()
	}
	return s.file(ctx, p.CoverFileID)
}
