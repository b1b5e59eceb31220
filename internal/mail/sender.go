package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/mail"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"shangyun/internal/config"
)

// Sender hands one message to its destination. id is the message's outbox
// id (0 for a message sent outside the outbox), used in file names and
// logs. An error means the message was not delivered and may be retried.
type Sender interface {
	Send(ctx context.Context, id int64, m Message) error
}

// NewSender returns the sender the configuration asks for: an SMTPSender
// when cfg.SMTPAddr is set, otherwise a FileSender writing into
// <dataDir>/outbox, so that mail is never silently dropped. It returns an
// error for a bad address or a folder that cannot be made.
func NewSender(cfg config.Mail, dataDir string, log *slog.Logger) (Sender, error) {
	if cfg.SMTPAddr != "" {
		return NewSMTPSender(cfg.SMTPAddr, cfg.From)
	}
	return NewFileSender(filepath.Join(dataDir, "outbox"), cfg.From, log)
}

// parseFrom checks the configured sender address, which may carry a
// display name ("平台 <noreply@example.com>").
func parseFrom(from string) (*mail.Address, error) {
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail sender address %q: %w", from, err)
	}
	addr.Name = headerSafe(addr.Name)
	return addr, nil
}

// buildMsg turns m into a MIME message: UTF-8, quoted-printable, the text
// part with the HTML part as its alternative. Headers are encoded by
// go-mail (RFC 2047 for non-ASCII text). m is checked again here because
// a Sender may be called without the outbox.
func buildMsg(from *mail.Address, m Message, now time.Time) (*gomail.Msg, error) {
	m, err := m.normalize()
	if err != nil {
		return nil, err
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(from)
	msg.ToMailAddress(&mail.Address{Name: m.ToName, Address: m.To})
	msg.Subject(m.Subject)
	msg.SetDateWithValue(now)
	msg.SetMessageIDWithValue(messageID(from.Address))

	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// messageID names the sender's domain rather than this machine, whose
// host name means nothing outside (and may be a container's).
func messageID(from string) string {
	domain := "localhost"
	if at := strings.LastIndex(from, "@"); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	return randomHex(16) + "@" + domain
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
