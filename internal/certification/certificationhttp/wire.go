// Package certificationhttp serves enterprise certification and its
// review over HTTP.
package certificationhttp

import (
	"strconv"
	"time"

	"shangyun/internal/certification"
)

// ImageRequirement is the rule of one certification image.
type ImageRequirement struct {
	Field     string   `json:"field" validate:"required" example:"business_license"`
	Label     string   `json:"label" validate:"required" example:"营业执照"`
	Formats   []string `json:"formats" validate:"required" example:"image/jpeg,image/png"`
	MaxBytes  int64    `json:"max_bytes" validate:"required" example:"5242880"`
	MinWidth  int      `json:"min_width" validate:"required" example:"600"`
	MinHeight int      `json:"min_height" validate:"required" example:"400"`
	MaxWidth  int      `json:"max_width" validate:"required" example:"8000"`
	MaxHeight int      `json:"max_height" validate:"required" example:"8000"`
} // @name CertificationImageRequirement

// Requirements are the upload rules shown as hints.
type Requirements struct {
	Images []ImageRequirement `json:"images" validate:"required"`
	Hints  []string           `json:"hints" validate:"required"`
} // @name CertificationRequirements

// CertificationResponse is a certification as its enterprise sees it: the
// ID number is masked.
type CertificationResponse struct {
	ID                  int64      `json:"id" validate:"required" example:"12"`
	Status              string     `json:"status" validate:"required" enums:"pending,approved,rejected,invalidated"`
	CompanyName         string     `json:"company_name" validate:"required" example:"郑州示例科技有限公司"`
	CreditCode          string     `json:"unified_social_credit_code" validate:"required" example:"91350100M000100Y43"`
	LegalRepresentative string     `json:"legal_representative" validate:"required" example:"张三"`
	LegalRepIDNumber    string     `json:"legal_representative_id_number" validate:"required" example:"410102********1230"`
	RegionCode          string     `json:"region_code" validate:"required" example:"410102"`
	Reason              *string    `json:"reason" validate:"required" extensions:"x-nullable"`
	CreatedAt           time.Time  `json:"created_at" validate:"required"`
	DecidedAt           *time.Time `json:"decided_at" validate:"required" extensions:"x-nullable"`
} // @name Certification

// EnterpriseResponse is the submitting account, for reviewers.
type EnterpriseResponse struct {
	ID          int64  `json:"id" validate:"required"`
	Username    string `json:"username" validate:"required"`
	CompanyName string `json:"company_name" validate:"required"`
	ContactName string `json:"contact_name" validate:"required"`
	Email       string `json:"email" validate:"required"`
	Phone       string `json:"phone" validate:"required"`
	RegionCode  string `json:"region_code" validate:"required"`
} // @name ReviewEnterprise

// ImageLink points to one image of a certification.
type ImageLink struct {
	Kind string `json:"kind" validate:"required" enums:"business_license,id_card_front,id_card_back"`
	URL  string `json:"url" validate:"required" example:"/api/v1/review/certifications/12/files/business_license"`
} // @name CertificationImage

// ReviewResponse is a certification as a reviewer in scope sees it: the
// full ID number, the enterprise and links to the images.
type ReviewResponse struct {
	CertificationResponse
	Enterprise EnterpriseResponse `json:"enterprise" validate:"required"`
	Images     []ImageLink        `json:"images" validate:"required"`
	DecidedBy  *int64             `json:"decided_by" validate:"required" extensions:"x-nullable"`
} // @name ReviewCertification

// CertificationPage is a page of certifications.
type CertificationPage struct {
	Items    []CertificationResponse `json:"items" validate:"required"`
	Page     int                     `json:"page" validate:"required"`
	PageSize int                     `json:"page_size" validate:"required"`
	Total    int64                   `json:"total" validate:"required"`
} // @name CertificationPage

// ReviewPage is a page of the review queue.
type ReviewPage struct {
	Items    []ReviewResponse `json:"items" validate:"required"`
	Page     int              `json:"page" validate:"required"`
	PageSize int              `json:"page_size" validate:"required"`
	Total    int64            `json:"total" validate:"required"`
} // @name ReviewCertificationPage

// RejectRequest carries the reason of a rejection.
type RejectRequest struct {
	Reason string `json:"reason" validate:"required,max=2000" example:"营业执照照片模糊，请重新上传清晰照片"`
} // @name RejectCertificationRequest

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toResponse(c certification.Certification, fullID bool) CertificationResponse {
	id := certification.MaskID(c.LegalRepID)
	if fullID {
		id = c.LegalRepID
	}
	return CertificationResponse{
		ID: c.ID, Status: c.Status, CompanyName: c.CompanyName, CreditCode: c.CreditCode,
		LegalRepresentative: c.LegalRepresentative, LegalRepIDNumber: id,
		RegionCode: c.RegionCode, Reason: optional(c.Reason), CreatedAt: c.CreatedAt.UTC(),
		DecidedAt: utc(c.DecidedAt),
	}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// toReview is what reviewers in scope and admins see: they alone read the
// whole ID number.
func toReview(c certification.Certification) ReviewResponse {
	e := c.Enterprise
	r := ReviewResponse{
		CertificationResponse: toResponse(c, true),
		Enterprise: EnterpriseResponse{ID: e.ID, Username: e.Username,
			CompanyName: e.CompanyName, ContactName: e.ContactName, Email: e.Email,
			Phone: e.Phone, RegionCode: e.RegionCode},
	}
	base := "/api/v1/review/certifications/" + strconv.FormatInt(c.ID, 10) + "/files/"
	for _, rule := range certification.ImageRules() {
		r.Images = append(r.Images, ImageLink{Kind: rule.Field, URL: base + rule.Field})
	}
	if c.DecidedBy != 0 {
		by := c.DecidedBy
		r.DecidedBy = &by
	}
	return r
}
