package certificationhttp_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/certification"
	"shangyun/internal/testkit"
)

var codeSeq atomic.Int64

// creditCode returns a valid unified social credit code, different on
// every call.
func creditCode() string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := []int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	body := fmt.Sprintf("91410100MA%07d", codeSeq.Add(1))
	sum := 0
	for i := range 17 {
		sum += strings.IndexByte(chars, body[i]) * weights[i]
	}
	return body + string(chars[(31-sum%31)%31])
}

const idNumber = "410102199003071230"

// form returns a complete, valid submission; change may alter it.
func form(t *testing.T, change ...func(*testkit.Form)) testkit.Form {
	f := testkit.Form{
		Fields: map[string]string{
			"company_name":                   "郑州云帆科技有限公司",
			"unified_social_credit_code":     creditCode(),
			"legal_representative":           "张三",
			"legal_representative_id_number": idNumber,
		},
		Files: map[string]testkit.FilePart{
			"business_license": {Name: "执照.jpg", Data: testkit.JPEG(t, 800, 600)},
			"id_card_front":    {Name: "front.png", Data: testkit.PNG(t, 640, 420)},
			"id_card_back":     {Name: "back.png", Data: testkit.PNG(t, 640, 420)},
		},
	}
	for _, c := range change {
		c(&f)
	}
	return f
}

type cert struct {
	ID         int64  `json:"id"`
	Status     string `json:"status"`
	IDNumber   string `json:"legal_representative_id_number"`
	CreditCode string `json:"unified_social_credit_code"`
	Reason     string `json:"reason"`
	Images     []struct {
		Kind string `json:"kind"`
		URL  string `json:"url"`
	} `json:"images"`
}

func submit(t *testing.T, s *testkit.Server, u testkit.User, f testkit.Form) cert {
	t.Helper()
	var c cert
	s.Client(t).As(u.Access).Do("POST", "/api/v1/certifications", f).
		Expect(t, http.StatusCreated).Decode(t, &c)
	return c
}

func TestRequirementsPublishTheEnforcedRules(t *testing.T) {
	t.Parallel()
	s := testkit.NewServer(t, "sqlite")
	var got struct {
		Images []struct {
			Field     string   `json:"field"`
			Formats   []string `json:"formats"`
			MaxBytes  int64    `json:"max_bytes"`
			MinWidth  int      `json:"min_width"`
			MinHeight int      `json:"min_height"`
			MaxWidth  int      `json:"max_width"`
			MaxHeight int      `json:"max_height"`
		} `json:"images"`
		Hints []string `json:"hints"`
	}
	s.Client(t).Do("GET", "/api/v1/certifications/requirements", nil).
		Expect(t, http.StatusOK).Decode(t, &got)
	rules := certification.ImageRules()
	if len(got.Images) != len(rules) || len(got.Hints) == 0 {
		t.Fatalf("requirements %+v", got)
	}
	for i, r := range rules {
		g := got.Images[i]
		want := []any{r.Field, r.Types, r.MaxBytes, r.MinWidth, r.MinHeight, r.MaxWidth, r.MaxHeight}
		have := []any{g.Field, g.Formats, g.MaxBytes, g.MinWidth, g.MinHeight, g.MaxWidth, g.MaxHeight}
		if diff := cmp.Diff(want, have); diff != "" {
			t.Errorf("image %d (-enforced +published):\n%s", i, diff)
		}
	}
}

func TestSubmitRefusesBadInput(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		ent := s.NewUser(t, auth.RoleEnterprise)
		c := s.Client(t).As(ent.Access)

		big := append(testkit.JPEG(t, 800, 600), make([]byte, 5<<20)...)
		cases := []struct {
			name   string
			change func(*testkit.Form)
			status int
			code   string
			field  string
		}{
			{"bad credit code check", func(f *testkit.Form) {
				f.Fields["unified_social_credit_code"] = "91350100M000100Y44"
			}, 422, "validation_failed", "unified_social_credit_code"},
			{"bad id check digit", func(f *testkit.Form) {
				f.Fields["legal_representative_id_number"] = "410102199003071231"
			}, 422, "validation_failed", "legal_representative_id_number"},
			{"missing image", func(f *testkit.Form) {
				delete(f.Files, "id_card_back")
			}, 422, "validation_failed", "id_card_back"},
			{"text named png", func(f *testkit.Form) {
				f.Files["id_card_front"] = testkit.FilePart{Name: "a.png",
					Data: []byte(strings.Repeat("just some text\n", 100))}
			}, 422, "unsupported_file_type", "id_card_front"},
			{"pdf for an image", func(f *testkit.Form) {
				f.Files["business_license"] = testkit.FilePart{Name: "licence.pdf",
					Data: []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")}
			}, 422, "unsupported_file_type", "business_license"},
			{"png claiming 30000x30000", func(f *testkit.Form) {
				f.Files["id_card_front"] = testkit.FilePart{Name: "bomb.png",
					Data: testkit.PNGHeader(30000, 30000)}
			}, 422, "validation_failed", "id_card_front"},
			{"image too small", func(f *testkit.Form) {
				f.Files["id_card_back"] = testkit.FilePart{Name: "s.png", Data: testkit.PNG(t, 100, 80)}
			}, 422, "validation_failed", "id_card_back"},
			{"image over 5 MB", func(f *testkit.Form) {
				f.Files["business_license"] = testkit.FilePart{Name: "big.jpg", Data: big}
			}, 413, "payload_too_large", ""},
		}
		for _, tc := range cases {
			p := c.Do("POST", "/api/v1/certifications", form(t, tc.change), testkit.Raw()).
				ExpectProblem(t, tc.status, tc.code)
			if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
				t.Errorf("%s: errors %+v, want field %s", tc.name, p.Errors, tc.field)
			}
		}

		c.Do("POST", "/api/v1/certifications", `{"company_name":"x"}`).
			ExpectProblem(t, http.StatusBadRequest, "malformed_body")
		huge := strings.Repeat("x", int(certification.FormLimit())+1)
		c.Do("POST", "/api/v1/certifications", huge,
			testkit.Header("Content-Type", "multipart/form-data; boundary=x")).
			ExpectProblem(t, http.StatusRequestEntityTooLarge, "payload_too_large")

		// Nothing of the refused submissions was kept.
		c.Do("GET", "/api/v1/certifications/current", nil).ExpectProblem(t, 404, "not_found")
		entries, _ := os.ReadDir(filepath.Join(s.App.Config.DataDir, "tmp"))
		if len(entries) != 0 {
			t.Errorf("staged uploads left behind: %v", entries)
		}
	})
}

func TestReviewFlow(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		ent := s.NewUser(t, auth.RoleEnterprise, "410102") // 中原区, 郑州
		city := s.NewUser(t, auth.RoleReviewer, "410100")  // 郑州市
		county := s.NewUser(t, auth.RoleReviewer, "410102")
		other := s.NewUser(t, auth.RoleReviewer, "410200") // 开封市
		admin := s.NewUser(t, auth.RoleAdmin)
		ec := s.Client(t).As(ent.Access)

		prompts(t, s, ent, "certification_required")
		f := form(t, func(f *testkit.Form) {
			f.Files["id_card_front"] = testkit.FilePart{Name: "../../etc/passwd\r\nX-Evil: 1.png",
				Data: testkit.PNG(t, 640, 420)}
		})
		c := submit(t, s, ent, f)
		if c.Status != "pending" || c.IDNumber != "410102********1230" {
			t.Fatalf("submitted %+v: want pending with the ID masked", c)
		}
		prompts(t, s, ent, "certification_pending")
		ec.Do("POST", "/api/v1/certifications", form(t)).ExpectProblem(t, 409, "invalid_transition")

		// Scope: the city and county reviewers and the admin see it; the
		// reviewer of another city does not, not even by id.
		path := fmt.Sprintf("/api/v1/review/certifications/%d", c.ID)
		for _, u := range []testkit.User{city, county, admin} {
			var got cert
			s.Client(t).As(u.Access).Do("GET", path, nil).Expect(t, 200).Decode(t, &got)
			if got.IDNumber != idNumber || len(got.Images) != 3 {
				t.Errorf("%s sees %+v: want the full ID and three images", u.Username, got)
			}
		}
		oc := s.Client(t).As(other.Access)
		oc.Do("GET", path, nil).ExpectProblem(t, 404, "not_found")
		oc.Do("GET", path+"/files/id_card_front", nil).ExpectProblem(t, 404, "not_found")
		oc.Do("POST", path+"/approve", nil).ExpectProblem(t, 404, "not_found")
		oc.Do("GET", "/api/v1/review/certifications?region_code=410102", nil).
			ExpectProblem(t, 404, "not_found")
		queue(t, s, other, "", 0)
		queue(t, s, city, "?status=pending", 1)
		queue(t, s, city, "?status=pending&region_code=410102", 1)
		queue(t, s, city, "?region_code=410103", 0)
		queue(t, s, admin, "?status=approved", 0)
		s.Client(t).As(city.Access).Do("GET", "/api/v1/review/certifications?status=odd", nil,
			testkit.Raw()).
			ExpectProblem(t, 422, "validation_failed")

		// The image comes back byte for byte, as an attachment with a clean name.
		img := s.Client(t).As(county.Access).Do("GET", path+"/files/id_card_front", nil).Expect(t, 200)
		if string(img.Body) != string(f.Files["id_card_front"].Data) {
			t.Error("image differs from the upload")
		}
		disp := img.Header.Get("Content-Disposition")
		if img.Header.Get("Content-Type") != "image/png" ||
			img.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(disp, "attachment;") || strings.ContainsAny(disp, "\r\n/") {
			t.Errorf("download headers %v", img.Header)
		}

		// Reject, resubmit, approve; a second decision is refused.
		rc := s.Client(t).As(county.Access)
		rc.Do("POST", path+"/reject", map[string]string{"reason": " "}).
			ExpectProblem(t, 422, "validation_failed")
		rc.Do("POST", path+"/reject", map[string]string{"reason": "营业执照照片模糊"}).Expect(t, 200)
		rc.Do("POST", path+"/approve", nil).ExpectProblem(t, 409, "already_decided")
		p := prompts(t, s, ent, "certification_rejected")
		if !strings.Contains(p, "营业执照照片模糊") {
			t.Errorf("rejection prompt %q lacks the reason", p)
		}

		c2 := submit(t, s, ent, form(t))
		var approved cert
		s.Client(t).As(city.Access).Do("POST", fmt.Sprintf("/api/v1/review/certifications/%d/approve", c2.ID), nil).
			Expect(t, 200).Decode(t, &approved)
		if approved.Status != "approved" {
			t.Fatalf("approve answered %+v", approved)
		}
		prompts(t, s, ent)

		var hist struct {
			Items []cert `json:"items"`
			Total int64  `json:"total"`
		}
		ec.Do("GET", "/api/v1/certifications?page_size=1", nil).Expect(t, 200).Decode(t, &hist)
		if hist.Total != 2 || len(hist.Items) != 1 || hist.Items[0].ID != c2.ID {
			t.Errorf("history %+v: want 2 in all, newest first", hist)
		}

		// Approval locks company name and region, and fed the profile.
		ec.Do("PATCH", "/api/v1/me", map[string]string{"company_name": "别的名字有限公司"}).
			ExpectProblem(t, 409, "profile_locked")
		ec.Do("PATCH", "/api/v1/me", map[string]string{"region_code": "410103"}).
			ExpectProblem(t, 409, "profile_locked")
		ec.Do("PATCH", "/api/v1/me", map[string]string{"contact_name": "李四"}).Expect(t, 200)

		audits := countRows(t, s, "audit_logs", "action IN ?",
			[]string{"certification.submit", "certification.reject", "certification.approve"})
		mails := countRows(t, s, "outbox_messages", "to_addr = ?", ent.Username+"@test.example")
		if audits != 4 || mails != 2 {
			t.Errorf("audit rows %d (want 4), mails %d (want 2)", audits, mails)
		}
		var ip string
		s.App.DB.Raw("SELECT client_ip FROM audit_logs WHERE action = 'certification.approve'").Scan(&ip)
		if ip != "127.0.0.1" {
			t.Errorf("audit client address %q", ip)
		}
	})
}

func TestCreditCodeOfAnotherEnterprise(t *testing.T) {
	t.Parallel()
	s := testkit.NewServer(t, "sqlite")
	a, b := s.NewUser(t, auth.RoleEnterprise), s.NewUser(t, auth.RoleEnterprise)
	admin := s.NewUser(t, auth.RoleAdmin)
	code := creditCode()
	same := func(f *testkit.Form) { f.Fields["unified_social_credit_code"] = code }

	ca := submit(t, s, a, form(t, same))
	cb := submit(t, s, b, form(t, same)) // neither is approved yet
	ac := s.Client(t).As(admin.Access)
	ac.Do("POST", fmt.Sprintf("/api/v1/review/certifications/%d/approve", ca.ID), nil).Expect(t, 200)
	ac.Do("POST", fmt.Sprintf("/api/v1/review/certifications/%d/approve", cb.ID), nil).
		ExpectProblem(t, 409, "credit_code_taken")

	c := s.NewUser(t, auth.RoleEnterprise)
	s.Client(t).As(c.Access).Do("POST", "/api/v1/certifications", form(t, same)).
		ExpectProblem(t, 409, "credit_code_taken")
}

func TestCityChangeInvalidatesPending(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		ent := s.NewUser(t, auth.RoleEnterprise, "410102")
		c := s.Client(t).As(ent.Access)
		submit(t, s, ent, form(t))

		var out struct {
			Invalidated bool `json:"certification_invalidated"`
		}
		// Another county of the same city keeps the certification pending.
		c.Do("PATCH", "/api/v1/me", map[string]string{"region_code": "410103"}).
			Expect(t, 200).Decode(t, &out)
		if out.Invalidated {
			t.Fatal("a move within the city invalidated the certification")
		}
		prompts(t, s, ent, "certification_pending")

		c.Do("PATCH", "/api/v1/me", map[string]string{"region_code": "419001"}).
			Expect(t, 200).Decode(t, &out)
		if !out.Invalidated {
			t.Fatal("a move to another city must invalidate the pending certification")
		}
		prompts(t, s, ent, "certification_invalidated")
		submit(t, s, ent, form(t)) // a new submission is allowed again
	})
}

// Two reviewers deciding at once: exactly one wins.
func TestConcurrentDecisions(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s := testkit.NewServer(t, driver)
		ent := s.NewUser(t, auth.RoleEnterprise)
		reviewers := []testkit.User{s.NewUser(t, auth.RoleReviewer), s.NewUser(t, auth.RoleReviewer),
			s.NewUser(t, auth.RoleAdmin), s.NewUser(t, auth.RoleReviewer, "410000")}
		for round := range 3 {
			c := submit(t, s, ent, form(t))
			path := fmt.Sprintf("/api/v1/review/certifications/%d/", c.ID)
			var wg sync.WaitGroup
			statuses := make([]int, len(reviewers))
			for i, r := range reviewers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					action, body := "approve", any(nil)
					if i%2 == 1 {
						action, body = "reject", map[string]string{"reason": "材料不全，请补充"}
					}
					statuses[i] = s.Client(t).As(r.Access).Do("POST", path+action, body).Status
				}()
			}
			wg.Wait()
			wins := 0
			for _, st := range statuses {
				switch st {
				case 200:
					wins++
				case 409:
				default:
					t.Fatalf("round %d: statuses %v", round, statuses)
				}
			}
			if wins != 1 {
				t.Fatalf("round %d: %d decisions won (%v), want exactly 1", round, wins, statuses)
			}
			var cur cert
			s.Client(t).As(ent.Access).Do("GET", "/api/v1/certifications/current", nil).
				Expect(t, 200).Decode(t, &cur)
			if cur.Status == "approved" {
				return
			}
		}
	})
}

func TestApprovalMailLandsInTheOutboxFolder(t *testing.T) {
	t.Parallel()
	s := testkit.NewServer(t, "sqlite")
	ent := s.NewUser(t, auth.RoleEnterprise)
	rev := s.NewUser(t, auth.RoleReviewer)
	c := submit(t, s, ent, form(t))
	s.Client(t).As(rev.Access).Do("POST", fmt.Sprintf("/api/v1/review/certifications/%d/approve", c.ID), nil).
		Expect(t, 200)

	sent, err := s.App.Mail.RunOnce(t.Context())
	if err != nil || sent != 1 {
		t.Fatalf("outbox run: sent %d, %v", sent, err)
	}
	files, _ := filepath.Glob(filepath.Join(s.App.Config.DataDir, "outbox", "*.eml"))
	if len(files) != 1 {
		t.Fatalf("outbox folder holds %v", files)
	}
	b, _ := os.ReadFile(files[0])
	if !strings.Contains(string(b), ent.Username+"@test.example") {
		t.Errorf("mail not addressed to the enterprise:\n%.600s", b)
	}
}

func prompts(t *testing.T, s *testkit.Server, u testkit.User, want ...string) string {
	t.Helper()
	var me struct {
		Prompts []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"prompts"`
	}
	s.Client(t).As(u.Access).Do("GET", "/api/v1/me", nil).Expect(t, 200).Decode(t, &me)
	got := []string{}
	msg := ""
	for _, p := range me.Prompts {
		got = append(got, p.Code)
		msg += p.Message
	}
	if want == nil {
		want = []string{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("prompts (-want +got):\n%s", diff)
	}
	return msg
}

func queue(t *testing.T, s *testkit.Server, u testkit.User, query string, want int64) {
	t.Helper()
	var page struct {
		Total int64 `json:"total"`
	}
	s.Client(t).As(u.Access).Do("GET", "/api/v1/review/certifications"+query, nil).
		Expect(t, 200).Decode(t, &page)
	if page.Total != want {
		t.Errorf("%s queue%s: %d, want %d", u.Username, query, page.Total, want)
	}
}

func countRows(t *testing.T, s *testkit.Server, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.App.DB.Table(table).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
