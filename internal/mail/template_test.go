package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"shangyun/internal/mail"
)

func TestRender(t *testing.T) {
	t.Parallel()
	decided := time.Date(2026, 12, 3, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))
	tests := []struct {
		name        string
		template    string
		data        any
		wantSubject string
		wantText    []string
		wantHTML    []string
		notInHTML   []string
	}{
		{
			name:     "approved",
			template: mail.TemplateCertificationApproved,
			data: mail.CertificationApproved{CompanyName: "河南云帆科技有限公司",
				ContactName: "李雷", DecidedAt: decided},
			wantSubject: "【企业上云公共服务平台】企业认证审核通过",
			wantText:    []string{"李雷，您好", "“河南云帆科技有限公司”", "2026年12月3日 10:30", "审核通过"},
			wantHTML:    []string{"<strong>河南云帆科技有限公司</strong>", "2026年12月3日 10:30"},
		},
		{
			name:     "rejected, values escaped in html",
			template: mail.TemplateCertificationRejected,
			data: mail.CertificationRejected{CompanyName: "A&B <公司>", ContactName: "韩梅梅",
				Reason: `营业执照模糊<script>alert("x")</script>`},
			wantSubject: "【企业上云公共服务平台】企业认证未通过",
			wantText:    []string{"韩梅梅，您好", `原因：营业执照模糊<script>alert("x")</script>`},
			wantHTML: []string{"A&amp;B &lt;公司&gt;",
				"营业执照模糊&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
			notInHTML: []string{"<script>", "<公司>"},
		},
		{
			name:     "no contact name",
			template: mail.TemplateCertificationRejected,
			data:     mail.CertificationRejected{CompanyName: "某公司", Reason: "证件不全"},
			wantText: []string{"\n您好：", "原因：证件不全"},
			wantHTML: []string{"<p>您好：</p>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := mail.Render(tt.template, "li@example.com", "李雷", tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantSubject != "" && m.Subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", m.Subject, tt.wantSubject)
			}
			if m.To != "li@example.com" || m.ToName != "李雷" {
				t.Errorf("recipient = %q <%s>", m.ToName, m.To)
			}
			for _, s := range tt.wantText {
				if !strings.Contains("\n"+m.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, m.Text)
				}
			}
			for _, s := range tt.wantHTML {
				if !strings.Contains(m.HTML, s) {
					t.Errorf("html lacks %q:\n%s", s, m.HTML)
				}
			}
			for _, s := range tt.notInHTML {
				if strings.Contains(m.HTML, s) {
					t.Errorf("html contains unescaped %q:\n%s", s, m.HTML)
				}
			}
			if strings.Contains(m.Text, "&lt;") {
				t.Errorf("text part is HTML-escaped:\n%s", m.Text)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	approved := mail.CertificationApproved{CompanyName: "某公司", DecidedAt: time.Now()}
	tests := []struct {
		name     string
		template string
		to       string
		data     any
		want     error
	}{
		{"unknown template", "order_shipped", "li@example.com", approved, mail.ErrUnknownTemplate},
		{"bad address", mail.TemplateCertificationApproved, "li@", approved,
			mail.ErrInvalidMessage},
		{"data of another template", mail.TemplateCertificationApproved, "li@example.com",
			mail.CertificationRejected{CompanyName: "某公司"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mail.Render(tt.template, tt.to, "", tt.data)
			if err == nil {
				t.Fatal("Render succeeded, want an error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Render = %v, want %v", err, tt.want)
			}
		})
	}
}
