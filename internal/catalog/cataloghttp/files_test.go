package cataloghttp_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shangyun/internal/auth"
	"shangyun/internal/testkit"
)

// pdfFile returns a small, well-formed one-page PDF.
func pdfFile() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
	}
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(objects)+1, xref)
	return b.Bytes()
}

// zipFile returns a ZIP archive holding the named entries, in order.
func zipFile(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		f, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docxFile returns a minimal Word document: a ZIP with the content types
// first and the main document part.
func docxFile(t *testing.T) []byte {
	t.Helper()
	return zipFile(t,
		[2]string{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/` +
			`vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		[2]string{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?>` +
			`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
			`<w:body><w:p><w:r><w:t>产品方案</w:t></w:r></w:p></w:body></w:document>`})
}

func fileForm(name string, data []byte) testkit.Form {
	return testkit.Form{Files: map[string]testkit.FilePart{"file": {Name: name, Data: data}}}
}

func TestAttachmentsAndCover(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)
		pc := w.as(t, prov)
		p := w.published(t, prov, w.leaf.ID, "企业网盘", "", 1000)
		upload := func(id int64, name string, data []byte) *testkit.Response {
			return pc.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/attachments", id),
				fileForm(name, data))
		}

		uploads := []struct {
			name, contentType string
			data              []byte
		}{
			{"产品白皮书.pdf", "application/pdf", pdfFile()},
			{"实施方案.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
				docxFile(t)},
			{"资料包.zip", "application/zip", zipFile(t, [2]string{"readme.txt", "安装说明"})},
			{"architecture.png", "image/png", testkit.PNG(t, 300, 200)},
		}
		var want []attachment
		for _, u := range uploads {
			var a attachment
			upload(p.ID, u.name, u.data).Expect(t, http.StatusCreated).Decode(t, &a)
			wantA := attachment{ID: a.ID, Name: u.name, ContentType: u.contentType,
				SizeBytes: int64(len(u.data)),
				URL:       fmt.Sprintf("/api/v1/products/%d/attachments/%d", p.ID, a.ID)}
			if diff := cmp.Diff(wantA, a); diff != "" {
				t.Errorf("upload %s (-want +got):\n%s", u.name, diff)
			}
			want = append(want, wantA)
		}

		// 20 MB is the most a document may weigh.
		limit := append(pdfFile(), make([]byte, 20<<20-len(pdfFile()))...)
		var largest attachment
		upload(p.ID, "largest.pdf", limit).Expect(t, http.StatusCreated).Decode(t, &largest)
		if largest.SizeBytes != 20<<20 {
			t.Errorf("a 20 MB upload was stored as %d bytes", largest.SizeBytes)
		}
		pc.Do("DELETE", fmt.Sprintf("/api/v1/provider/attachments/%d", largest.ID), nil).
			Expect(t, http.StatusNoContent)

		// Refused uploads keep nothing.
		refused := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"text named .pdf", fileForm("伪装.pdf", []byte(strings.Repeat("plain text\n", 50))),
				422, "unsupported_file_type"},
			{"empty file", fileForm("empty.pdf", nil), 422, "validation_failed"},
			{"no file", testkit.Form{Fields: map[string]string{"note": "忘了附件"}},
				422, "validation_failed"},
			{"one byte over 20 MB", fileForm("huge.pdf", append(limit, 0)), 413, "payload_too_large"},
			{"not multipart", map[string]string{"file": "x"}, 400, "malformed_body"},
		}
		for _, tc := range refused {
			pr := pc.Do("POST", fmt.Sprintf("/api/v1/provider/products/%d/attachments", p.ID),
				tc.body, testkit.Raw())
			if pr.Status != tc.status {
				t.Errorf("%s: status %d, want %d: %s", tc.name, pr.Status, tc.status, pr.Body)
				continue
			}
			pr.ExpectProblem(t, tc.status, tc.code)
		}
		if staged, _ := os.ReadDir(filepath.Join(w.s.App.Config.DataDir, "tmp")); len(staged) != 0 {
			t.Errorf("staged uploads left behind: %v", staged)
		}

		got := w.publicProduct(t, p.ID)
		if diff := cmp.Diff(want, got.Attachments); diff != "" {
			t.Errorf("public attachments (-want +got):\n%s", diff)
		}
		for i, u := range uploads {
			download(t, w.s.Client(t), want[i].URL, u.data, u.contentType)
		}
		disp := w.s.Client(t).Do("GET", want[0].URL, nil).Header.Get("Content-Disposition")
		if !strings.Contains(disp, "filename*=utf-8''%E4%BA%A7%E5%93%81") {
			t.Errorf("Content-Disposition %q lacks the UTF-8 name", disp)
		}

		// A draft's documents stay private; an attachment answers under its
		// own product only.
		d := w.draft(t, prov, w.leaf.ID, "草稿产品", "")
		var hidden attachment
		upload(d.ID, "draft.pdf", pdfFile()).Expect(t, http.StatusCreated).Decode(t, &hidden)
		c := w.s.Client(t)
		c.Do("GET", hidden.URL, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		c.Do("GET", fmt.Sprintf("/api/v1/products/%d/attachments/%d", p.ID, hidden.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		if own := w.ownProduct(t, prov, d.ID); len(own.Attachments) != 1 {
			t.Errorf("provider's draft lists %+v", own.Attachments)
		}

		// Deleting removes the document for good.
		del := fmt.Sprintf("/api/v1/provider/attachments/%d", want[3].ID)
		pc.Do("DELETE", del, nil).Expect(t, http.StatusNoContent)
		pc.Do("DELETE", del, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		c.Do("GET", want[3].URL, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		if diff := cmp.Diff(want[:3], w.publicProduct(t, p.ID).Attachments); diff != "" {
			t.Errorf("attachments after delete (-want +got):\n%s", diff)
		}

		// The cover: private while the product is, then public.
		cover := testkit.JPEG(t, 400, 300)
		var withCover product
		pc.Do("PUT", fmt.Sprintf("/api/v1/provider/products/%d/cover", d.ID), fileForm("c.jpg", cover)).
			Expect(t, http.StatusOK).Decode(t, &withCover)
		coverURL := fmt.Sprintf("/api/v1/products/%d/cover", d.ID)
		if withCover.CoverURL == nil || *withCover.CoverURL != coverURL {
			t.Fatalf("cover_url %v, want %s", withCover.CoverURL, coverURL)
		}
		c.Do("GET", coverURL, nil).ExpectProblem(t, http.StatusNotFound, "not_found")
		pc.Do("PUT", fmt.Sprintf("/api/v1/provider/products/%d/cover", d.ID),
			fileForm("c.pdf", pdfFile())).ExpectProblem(t, http.StatusUnprocessableEntity,
			"unsupported_file_type")
		w.addSpec(t, prov, d.ID, 500)
		w.publish(t, prov, d.ID)
		download(t, c, coverURL, cover, "image/jpeg")
		for _, item := range w.list(t, "").Items {
			if item.ID == d.ID && (item.CoverURL == nil || *item.CoverURL != coverURL) {
				t.Errorf("list item cover_url %v", item.CoverURL)
			}
		}
		c.Do("GET", fmt.Sprintf("/api/v1/products/%d/cover", p.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
	})
}

func TestProviderProfile(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		w := newWorld(t, driver)
		prov := w.s.NewUser(t, auth.RoleProvider)
		pc := w.as(t, prov)

		var own provider
		pc.Do("GET", "/api/v1/provider/profile", nil).Expect(t, http.StatusOK).Decode(t, &own)
		if own.ID != prov.ID || own.Status != "approved" || own.Name == "" || own.LogoURL != nil {
			t.Errorf("own profile %+v", own)
		}

		for _, site := range []string{"ftp://cloud.example.com", "cloud.example.com",
			"javascript:alert(1)", "https://", "https://" + strings.Repeat("a", 200) + ".com"} {
			p := pc.Do("PATCH", "/api/v1/provider/profile", map[string]string{"website": site},
				testkit.Raw()).ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != "website" {
				t.Errorf("website %q: errors %+v", site, p.Errors)
			}
		}
		pc.Do("PATCH", "/api/v1/provider/profile", map[string]string{
			"description": "  专注政企上云十年  ", "website": "https://cloud.example.com"}).
			Expect(t, http.StatusOK).Decode(t, &own)
		if own.Description != "专注政企上云十年" || own.Website != "https://cloud.example.com" {
			t.Errorf("edited profile %+v", own)
		}
		pc.Do("PATCH", "/api/v1/provider/profile", map[string]string{"website": "http://a.example"}).
			Expect(t, http.StatusOK).Decode(t, &own)
		if own.Description != "专注政企上云十年" || own.Website != "http://a.example" {
			t.Errorf("a website edit changed more: %+v", own)
		}

		logo := testkit.PNG(t, 128, 128)
		pc.Do("PUT", "/api/v1/provider/profile/logo", fileForm("logo.png", logo)).
			Expect(t, http.StatusOK).Decode(t, &own)
		logoURL := fmt.Sprintf("/api/v1/providers/%d/logo", prov.ID)
		if own.LogoURL == nil || *own.LogoURL != logoURL {
			t.Fatalf("logo_url %v, want %s", own.LogoURL, logoURL)
		}
		pc.Do("PUT", "/api/v1/provider/profile/logo", fileForm("logo.png", testkit.PNG(t, 5000, 64))).
			ExpectProblem(t, http.StatusUnprocessableEntity, "validation_failed")

		r := w.s.Client(t).Do("GET", fmt.Sprintf("/api/v1/providers/%d", prov.ID), nil).
			Expect(t, http.StatusOK)
		var public provider
		r.Decode(t, &public)
		if public.LogoURL == nil || *public.LogoURL != logoURL || public.Website != own.Website ||
			public.Description != own.Description || public.Name != own.Name {
			t.Errorf("public profile %+v, own %+v", public, own)
		}
		if bytes.Contains(r.Body, []byte(`"status`)) {
			t.Errorf("public profile shows the standing: %s", r.Body)
		}
		download(t, w.s.Client(t), logoURL, logo, "image/png")

		// A provider not approved yet edits its profile but is not public.
		pending := w.pendingProvider(t)
		pp := w.as(t, pending)
		pp.Do("GET", "/api/v1/provider/profile", nil).Expect(t, http.StatusOK).Decode(t, &own)
		if own.Status != "pending" || own.ID != pending.ID {
			t.Errorf("pending provider's profile %+v", own)
		}
		pp.Do("PUT", "/api/v1/provider/profile/logo", fileForm("logo.png", logo)).Expect(t, http.StatusOK)
		c := w.s.Client(t)
		c.Do("GET", fmt.Sprintf("/api/v1/providers/%d", pending.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		c.Do("GET", fmt.Sprintf("/api/v1/providers/%d/logo", pending.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
		c.Do("GET", fmt.Sprintf("/api/v1/providers/%d", w.admin.ID), nil).
			ExpectProblem(t, http.StatusNotFound, "not_found")
	})
}
