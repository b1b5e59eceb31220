package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorm.io/gorm"

	"shangyun/internal/config"
	"shangyun/internal/mail"
	"shangyun/internal/testkit"
)

func TestFileSenderWritesEML(t *testing.T) {
	t.Parallel()
	dataDir := t.TempDir()
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	sender, err := mail.NewSender(config.Mail{From: "noreply@localhost"}, dataDir, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sender.(*mail.FileSender); !ok {
		t.Fatalf("NewSender without an SMTP address = %T, want *mail.FileSender", sender)
	}

	m, err := mail.Render(mail.TemplateCertificationRejected, "li@example.com", "李雷",
		mail.CertificationRejected{CompanyName: "河南云帆科技有限公司", ContactName: "李雷",
			Reason: "营业执照照片不清晰"})
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(context.Background(), 42, m); err != nil {
		t.Fatal(err)
	}

	files, err := filepath.Glob(filepath.Join(dataDir, "outbox", "*-000042-*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("outbox files = %v (%v), want one named after id 42", files, err)
	}
	info, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %v, want 0600", perm)
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	p := testkit.ParseMail(t, raw)
	if p.Subject != "【企业上云公共服务平台】企业认证未通过" {
		t.Errorf("subject = %q", p.Subject)
	}
	if !strings.Contains(p.Text, "营业执照照片不清晰") || !strings.Contains(p.HTML, "营业执照照片不清晰") {
		t.Errorf("file lacks the reason in a part:\ntext: %s\nhtml: %s", p.Text, p.HTML)
	}

	line := logged.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, "li@example.com") ||
		!strings.Contains(line, "企业认证未通过") {
		t.Errorf("log = %q, want one line naming recipient and subject", line)
	}
	for _, body := range []string{"营业执照照片不清晰", "您好"} {
		if strings.Contains(line, body) {
			t.Errorf("log carries body text %q: %s", body, line)
		}
	}
}

func TestNewSender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  config.Mail
		want string // the sender's type; "" when NewSender must fail
	}{
		{"smtp", config.Mail{SMTPAddr: "127.0.0.1:1025", From: "noreply@localhost"},
			"*mail.SMTPSender"},
		{"smtp with display name", config.Mail{SMTPAddr: "mail.internal:25",
			From: "企业上云平台 <noreply@example.com>"}, "*mail.SMTPSender"},
		{"file", config.Mail{From: "noreply@localhost"}, "*mail.FileSender"},
		{"smtp without port", config.Mail{SMTPAddr: "mail.internal", From: "a@b.c"}, ""},
		{"smtp bad port", config.Mail{SMTPAddr: "mail.internal:0", From: "a@b.c"}, ""},
		{"bad from", config.Mail{SMTPAddr: "127.0.0.1:25", From: "nobody"}, ""},
		{"file, no from", config.Mail{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := mail.NewSender(tt.cfg, t.TempDir(), testkit.Logger(t))
			if tt.want == "" {
				if err == nil {
					t.Fatalf("NewSender = %T, want an error", s)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := reflect.TypeOf(s).String(); got != tt.want {
				t.Errorf("NewSender = %s, want %s", got, tt.want)
			}
		})
	}
}

// The migration, not GORM, makes the table: the row type must name every
// column, and its pointer fields must be exactly the nullable columns.
func TestRowMatchesMigration(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		db := testkit.NewDB(t, driver)
		for _, model := range mail.Models() {
			stmt := &gorm.Statement{DB: db}
			if err := stmt.Parse(model); err != nil {
				t.Fatal(err)
			}
			cols, err := db.Migrator().ColumnTypes(model)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, c := range cols {
				nullable, _ := c.Nullable()
				got[c.Name()] = nullable
			}
			want := map[string]bool{}
			for _, f := range stmt.Schema.Fields {
				want[f.DBName] = f.FieldType.Kind() == reflect.Pointer
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: column -> nullable (-model +migrated):\n%s", stmt.Schema.Table, diff)
			}
		}
	})
}
