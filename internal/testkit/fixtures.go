package testkit

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"shangyun/internal/auth"
	"shangyun/internal/benefits"
	"shangyun/internal/catalog"
	"shangyun/internal/certification"
	"shangyun/internal/files"
)

var fixtureSeq atomic.Int64

// Certify gives an enterprise an approved certification, through the
// same rules as the API, with generated images.
func (s *Server) Certify(t *testing.T, u User) {
	t.Helper()
	ctx := context.Background()
	images := map[string]files.File{}
	for _, rule := range certification.ImageRules() {
		f, err := s.App.Uploads.Receive(ctx, rule, "id.png",
			bytes.NewReader(certImage(t, rule.MinWidth, rule.MinHeight)), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		images[rule.Field] = f
	}
	c, err := s.App.Certification.Submit(ctx, u.ID, certification.Submission{
		CompanyName: "测试企业" + u.Username, CreditCode: CreditCode(),
		LegalRepresentative: "测试", LegalRepID: "410102199003071230", Images: images})
	if err != nil {
		t.Fatalf("certify %s: %v", u.Username, err)
	}
	s.adminOnce.Do(func() { s.admin = s.NewUser(t, auth.RoleAdmin) })
	admin := auth.Principal{UserID: s.admin.ID, Role: auth.RoleAdmin}
	if _, err := s.App.Certification.Approve(ctx, admin, c.ID); err != nil {
		t.Fatalf("approve %s: %v", u.Username, err)
	}
}

var certImages sync.Map // "w×h" → []byte

// certImage is PNG made once per size: encoding a picture costs more than
// the rest of a certification under the race detector.
func certImage(t *testing.T, w, h int) []byte {
	key := fmt.Sprintf("%d×%d", w, h)
	if b, ok := certImages.Load(key); ok {
		return b.([]byte)
	}
	b := PNG(t, w, h)
	certImages.Store(key, b)
	return b
}

// CreditCode returns a valid unified social credit code, different on
// every call in the process.
func CreditCode() string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	body := fmt.Sprintf("91410100MB%07d", fixtureSeq.Add(1))
	sum := 0
	for i := range 17 {
		sum += bytes.IndexByte([]byte(chars), body[i]) * weights[i]
	}
	return body + string(chars[(31-sum%31)%31])
}

// Category makes a top-level category and a second-level one under it,
// and returns their ids.
func (s *Server) Category(t *testing.T) (top, leaf int64) {
	t.Helper()
	ctx := context.Background()
	n := fixtureSeq.Add(1)
	parent, err := s.App.Catalog.CreateCategory(ctx, catalog.NewCategory{Name: fmt.Sprintf("大类%d", n)})
	if err != nil {
		t.Fatal(err)
	}
	child, err := s.App.Catalog.CreateCategory(ctx, catalog.NewCategory{ParentID: parent.ID,
		Name: fmt.Sprintf("小类%d", n)})
	if err != nil {
		t.Fatal(err)
	}
	return parent.ID, child.ID
}

// Product makes and publishes a product of an approved provider in a
// second-level category, with one active spec per price, and returns the
// product id and the spec ids.
func (s *Server) Product(t *testing.T, provider User, leaf int64, prices ...int64) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	who := auth.Principal{UserID: provider.ID, Role: auth.RoleProvider}
	name := fmt.Sprintf("测试产品%d", fixtureSeq.Add(1))
	p, err := s.App.Catalog.CreateProduct(ctx, who, catalog.ProductChange{CategoryID: &leaf, Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	var specs []int64
	for i, price := range prices {
		spec, unit := fmt.Sprintf("规格%d", i+1), catalog.BillingMonth
		sp, err := s.App.Catalog.AddSpec(ctx, who, p.ID, catalog.SpecChange{Name: &spec,
			PriceFen: &price, BillingUnit: &unit})
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, sp.ID)
	}
	if _, err := s.App.Catalog.Publish(ctx, who, p.ID); err != nil {
		t.Fatal(err)
	}
	return p.ID, specs
}

// Policy is the input of an active policy made by ActivePolicy; zero
// fields take working defaults (30%, ¥5,000 a order, ¥10,000 an
// enterprise, ¥1,000,000 in all, every region and category, valid for a
// year around the test clock).
type Policy = benefits.PolicyInput

// ActivePolicy makes and activates a policy and returns its id.
func (s *Server) ActivePolicy(t *testing.T, in Policy) int64 {
	t.Helper()
	ctx := context.Background()
	def := func(p **int64, v int64) {
		if *p == nil {
			*p = &v
		}
	}
	if in.Name == nil {
		name := fmt.Sprintf("测试政策%d", fixtureSeq.Add(1))
		in.Name = &name
	}
	if in.DiscountRate == nil {
		rate := 3000
		in.DiscountRate = &rate
	}
	def(&in.PerOrderCapFen, 500000)
	def(&in.PerEnterpriseQuotaFen, 1000000)
	def(&in.TotalBudgetFen, 100000000)
	now := s.Clock.Now()
	if in.ValidFrom == nil {
		from := now.Add(-24 * time.Hour)
		in.ValidFrom = &from
	}
	if in.ValidUntil == nil {
		until := now.Add(365 * 24 * time.Hour)
		in.ValidUntil = &until
	}
	p, err := s.App.Benefits.CreatePolicy(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Benefits.Activate(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	return p.ID
}
