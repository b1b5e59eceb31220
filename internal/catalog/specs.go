package catalog

import (
	"context"
	"io"

	"shangyun/internal/auth"
	"shangyun/internal/files"
	"shangyun/internal/problem"
)

var billingUnits = map[string]bool{BillingMonth: true, BillingYear: true, BillingOneTime: true}

func checkSpec(ch SpecChange) []problem.Field {
	var fs []problem.Field
	fs = checkText(fs, "name", ch.Name, 1, 50, true)
	fs = checkText(fs, "description", ch.Description, 0, 500, false)
	if ch.PriceFen != nil && (*ch.PriceFen <= 0 || *ch.PriceFen > MaxPriceFen) {
		fs = append(fs, field("price_fen", "range", "价格须为正整数（分），不超过一亿元",
			"must be a positive number of fen, at most 10,000,000,000"))
	}
	if ch.BillingUnit != nil && !billingUnits[*ch.BillingUnit] {
		fs = append(fs, field("billing_unit", "oneof", "计费单位须为 month、year 或 one_time",
			"must be month, year or one_time"))
	}
	return fs
}

// AddSpec adds an active spec to a product of the calling provider.
func (s *Service) AddSpec(ctx context.Context, caller auth.Principal, productID int64,
	ch SpecChange) (Spec, error) {
	for _, need := range []struct {
		missing bool
		name    string
	}{{ch.Name == nil, "name"}, {ch.PriceFen == nil, "price_fen"},
		{ch.BillingUnit == nil, "billing_unit"}} {
		if need.missing {
			return Spec{}, problem.Validation(field(need.name, "required", "必填", "is required"))
		}
	}
	if fs := checkSpec(ch); len(fs) > 0 {
		return Spec{}, problem.Validation(fs...)
	}

	now := s.Now().UTC()
	sp := Spec{ProductID: productID, Name: *trim(ch.Name), PriceFen: *ch.PriceFen,
		BillingUnit: *ch.BillingUnit, Active: true, CreatedAt: now, UpdatedAt: now}
	if ch.Description != nil {
		sp.Description = *trim(ch.Description)
	}
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.owned(ctx, caller, productID, true); err != nil {
			return err
		}
		if err := s.Store.CreateSpec(ctx, &sp); err != nil {
			return err
		}
		return s.Store.RefreshMinPrice(ctx, productID)
	})
	return sp, err
}

// UpdateSpec edits a spec of the calling provider; "active": true
// restores a deactivated one. Orders keep the price they were placed at,
// so a price change rewrites no history.
func (s *Service) UpdateSpec(ctx context.Context, caller auth.Principal, id int64,
	ch SpecChange) (Spec, error) {
	if fs := checkSpec(ch); len(fs) > 0 {
		return Spec{}, problem.Validation(fs...)
	}
	ch.Name, ch.Description = trim(ch.Name), trim(ch.Description)
	var sp Spec
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Store.Spec(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.owned(ctx, caller, cur.ProductID, true); err != nil {
			return err
		}
		if err := s.Store.UpdateSpec(ctx, id, ch, s.Now().UTC()); err != nil {
			return err
		}
		if err := s.Store.RefreshMinPrice(ctx, cur.ProductID); err != nil {
			return err
		}
		sp, err = s.Store.Spec(ctx, id)
		return err
	})
	return sp, err
}

// DeactivateSpec takes a spec off sale. It is kept: carts show it as
// unavailable and orders placed with it stay intact.
func (s *Service) DeactivateSpec(ctx context.Context, caller auth.Principal, id int64) (Spec, error) {
	off := false
	return s.UpdateSpec(ctx, caller, id, SpecChange{Active: &off})
}

// AddAttachment records an uploaded document on a product of the calling
// provider.
func (s *Service) AddAttachment(ctx context.Context, caller auth.Principal, productID int64,
	f files.File) (Attachment, error) {
	a := Attachment{ProductID: productID, CreatedAt: s.Now().UTC()}
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.owned(ctx, caller, productID, true); err != nil {
			return err
		}
		if err := s.Files.Create(ctx, &f); err != nil {
			return err
		}
		a.File = f
		return s.Store.CreateAttachment(ctx, &a)
	})
	return a, err
}

// DeleteAttachment removes an attachment of the calling provider.
func (s *Service) DeleteAttachment(ctx context.Context, caller auth.Principal, id int64) error {
	var key string
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		a, err := s.Store.Attachment(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.owned(ctx, caller, a.ProductID, true); err != nil {
			return err
		}
		key = a.File.Key
		return s.Store.DeleteAttachment(ctx, id)
	})
	if err == nil {
		_ = s.Blobs.Delete(ctx, key) // the record is gone; a leftover blob is harmless
	}
	return err
}

// AttachmentFile returns an attachment of a public product and its
// content.
func (s *Service) AttachmentFile(ctx context.Context, productID, id int64) (files.File, io.ReadCloser, error) {
	p, err := s.Store.Product(ctx, productID)
	if err != nil {
		return files.File{}, nil, err
	}
	a, err := s.Store.Attachment(ctx, id)
	if err != nil {
		return files.File{}, nil, err
	}
	if !p.Public() || a.ProductID != productID {
		return files.File{}, nil, problem.NotFound()
	}
	return s.file(ctx, a.File.ID)
}
