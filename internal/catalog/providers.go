package catalog

import (
	"context"
	"io"
	"net/url"
	"strings"

	"shangyun/internal/files"
	"shangyun/internal/problem"
)

// PublicProvider returns a provider's public profile; providers that are
// not approved or are disabled are not_found.
func (s *Service) PublicProvider(ctx context.Context, id int64) (Provider, error) {
	p, err := s.Store.Provider(ctx, id)
	if err != nil {
		return Provider{}, err
	}
	if !p.Public() {
		return Provider{}, problem.NotFound()
	}
	return p, nil
}

// OwnProfile returns the calling provider's profile, whatever its standing.
func (s *Service) OwnProfile(ctx context.Context, id int64) (Provider, error) {
	return s.Store.Provider(ctx, id)
}

// ProfileChange is a provider's edit of its public profile.
type ProfileChange struct {
	Description *string
	Website     *string
}

// UpdateProfile edits the provider's description and website.
func (s *Service) UpdateProfile(ctx context.Context, id int64, ch ProfileChange) (Provider, error) {
	var fs []problem.Field
	fs = checkText(fs, "description", ch.Description, 0, 5000, false)
	if ch.Website != nil && *ch.Website != "" {
		u, err := url.Parse(strings.TrimSpace(*ch.Website))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			len(*ch.Website) > 200 {
			fs = append(fs, field("website", "url", "网址须为 http(s) 地址",
				"must be an http(s) address"))
		}
	}
	if len(fs) > 0 {
		return Provider{}, problem.Validation(fs...)
	}

	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Store.Provider(ctx, id)
		if err != nil {
			return err
		}
		desc, site := cur.Description, cur.Website
		if ch.Description != nil {
			desc = strings.TrimSpace(*ch.Description)
		}
		if ch.Website != nil {
			site = strings.TrimSpace(*ch.Website)
		}
		return s.Store.SaveProviderProfile(ctx, id, desc, site, s.Now().UTC())
	})
	if err != nil {
		return Provider{}, err
	}
	return s.Store.Provider(ctx, id)
}

// SetLogo records an uploaded image as the provider's logo.
func (s *Service) SetLogo(ctx context.Context, id int64, f files.File) (Provider, error) {
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		fileID, err := s.record(ctx, f)
		if err != nil {
			return err
		}
		return s.Store.SetProviderLogo(ctx, id, fileID, s.Now().UTC())
	})
	if err != nil {
		return Provider{}, err
	}
	return s.Store.Provider(ctx, id)
}

// Logo returns a public provider's logo and its content.
func (s *Service) Logo(ctx context.Context, id int64) (files.File, io.ReadCloser, error) {
	p, err := s.PublicProvider(ctx, id)
	if err != nil {
		return files.File{}, nil, err
	}
	return s.file(ctx, p.LogoFileID)
}

// ApproveProvider lets a provider publish. Approving an approved provider
// is invalid_transition.
func (s *Service) ApproveProvider(ctx context.Context, id int64) (Provider, error) {
	return s.decideProvider(ctx, id, "approved", "")
}

// RejectProvider refuses or withdraws a provider's approval, with a
// reason it is mailed; its products leave the public catalog.
func (s *Service) RejectProvider(ctx context.Context, id int64, reason string) (Provider, error) {
	var fs []problem.Field
	if fs = checkText(fs, "reason", &reason, 2, 500, false); len(fs) > 0 {
		return Provider{}, problem.Validation(fs...)
	}
	return s.decideProvider(ctx, id, "rejected", strings.TrimSpace(reason))
}

func (s *Service) decideProvider(ctx context.Context, id int64, approval,
	reason string) (Provider, error) {
	var p Provider
	err := s.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.Store.Provider(ctx, id); err != nil {
			return err
		}
		changed, err := s.Store.DecideProvider(ctx, id, approval, reason, s.Now().UTC())
		if err != nil {
			return err
		}
		if !changed {
			p := problem.New(problem.CodeInvalidTransition, problem.Text{
				ZH: "服务商已处于该状态。", EN: "The provider already has this standing."})
			p.Extra = map[string]any{"current_status": approval}
			return p
		}
		action := map[string]string{"approved": "provider.approve", "rejected": "provider.reject"}
		if err := s.audit(ctx, action[approval], "user", id, reason); err != nil {
			return err
		}
		return s.Notifier.ProviderDecided(ctx, p, approval == "approved", reason)
	})
	if err != nil {
		return Provider{}, err
	}
	return s.Store.Provider(ctx, id)
}
