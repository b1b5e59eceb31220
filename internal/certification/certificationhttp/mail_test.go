package certificationhttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"shangyun/internal/auth"
	"shangyun/internal/config"
	"shangyun/internal/testkit"
)

// mailServer starts an SMTP test server and a Shangyun that sends its mail
// there.
func mailServer(t *testing.T, driver string) (*testkit.Server, *testkit.SMTPServer) {
	t.Helper()
	inbox := testkit.NewSMTPServer(t)
	s := testkit.NewServer(t, driver, func(cfg *config.Config) {
		cfg.Mail.SMTPAddr = inbox.Addr()
	})
	return s, inbox
}

// deliver runs the outbox once and fails unless it sent want messages.
func deliver(t *testing.T, s *testkit.Server, want int) {
	t.Helper()
	sent, err := s.App.Mail.RunOnce(t.Context())
	if err != nil || sent != want {
		t.Fatalf("outbox run: sent %d, %v; want %d sent", sent, err, want)
	}
}

// checkMail fails unless m is addressed to to, in the envelope and in the
// header, and has the given subject.
func checkMail(t *testing.T, m testkit.ReceivedMail, to, subject string) {
	t.Helper()
	if got := strings.Join(m.To, ","); got != to {
		t.Errorf("envelope recipients = %q, want %q", got, to)
	}
	header, err := m.Header.AddressList("To")
	if err != nil || len(header) != 1 || header[0].Address != to {
		t.Errorf("To header = %v (%v), want %s", header, err, to)
	}
	if m.Subject != subject {
		t.Errorf("subject = %q, want %q", m.Subject, subject)
	}
}

// The decision mail goes out over SMTP to the address the enterprise has
// when the decision is made, once per decision.
func TestDecisionMailOverSMTP(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		s, inbox := mailServer(t, driver)
		ent := s.NewUser(t, auth.RoleEnterprise)
		rev := s.NewUser(t, auth.RoleReviewer)
		review := func(id int64, action string, body any) {
			t.Helper()
			s.Client(t).As(rev.Access).
				Do("POST", fmt.Sprintf("/api/v1/review/certifications/%d/%s", id, action), body).
				Expect(t, http.StatusOK)
		}

		first := submit(t, s, ent, form(t))
		newEmail := "finance." + ent.Username + "@mail.test.example"
		var me struct {
			Email string `json:"email"`
		}
		s.Client(t).As(ent.Access).
			Do("PATCH", "/api/v1/me", map[string]string{"email": newEmail}).
			Expect(t, http.StatusOK).Decode(t, &me)
		if me.Email != newEmail {
			t.Fatalf("email after the change = %q, want %q", me.Email, newEmail)
		}

		const reason = "营业执照照片模糊，请重新拍摄"
		review(first.ID, "reject", map[string]string{"reason": reason})
		deliver(t, s, 1)
		msgs := inbox.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server got %d messages after the rejection, want 1", len(msgs))
		}
		rejected := msgs[0]
		checkMail(t, rejected, newEmail, "【企业上云公共服务平台】企业认证未通过")
		if !strings.Contains(rejected.Text, reason) || !strings.Contains(rejected.HTML, reason) {
			t.Errorf("rejection lacks the reason in a part:\ntext: %s\nhtml: %s",
				rejected.Text, rejected.HTML)
		}

		second := submit(t, s, ent, form(t))
		review(second.ID, "approve", nil)
		deliver(t, s, 1)
		msgs = inbox.Messages()
		if len(msgs) != 2 {
			t.Fatalf("server got %d messages after the approval, want 2", len(msgs))
		}
		approved := msgs[1]
		checkMail(t, approved, newEmail, "【企业上云公共服务平台】企业认证审核通过")
		// The test clock stands at 02:00 UTC, 10:00 in Asia/Shanghai.
		if !strings.Contains(approved.Text, "郑州云帆科技有限公司") ||
			!strings.Contains(approved.Text, "2026年12月3日 10:00") {
			t.Errorf("approval text lacks the company or the time of decision:\n%s", approved.Text)
		}

		deliver(t, s, 0)
		if n := len(inbox.Messages()); n != 2 {
			t.Errorf("server got %d messages after a last run, want still 2", n)
		}
	})
}
