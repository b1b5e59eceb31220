package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"time"
)

// FileSender stands in for a mail server when none is configured: it
// writes each message as an RFC 5322 .eml file (which mail clients open)
// into a folder, and logs one line naming the recipient and subject. The
// body never reaches the log, since it may carry personal details.
type FileSender struct {
	dir  string
	from *mail.Address
	log  *slog.Logger
}

// NewFileSender returns a sender writing into dir, which it creates when
// missing. It returns an error for a malformed from or a folder that
// cannot be made. log may be nil (slog.Default()).
func NewFileSender(dir, from string, log *slog.Logger) (*FileSender, error) {
	fromAddr, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail folder: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &FileSender{dir: dir, from: fromAddr, log: log.With("component", "mail")}, nil
}

// Send implements Sender. The file is named
// <UTC time>-<outbox id>-<random>.eml, so that a listing sorts by time.
// It returns ErrInvalidMessage for a message that cannot be sent, and the
// file system's error otherwise.
func (s *FileSender) Send(ctx context.Context, id int64, m Message) error {
	now := time.Now()
	msg, err := buildMsg(s.from, m, now)
	if err != nil {
		return fmt.Errorf("write mail %d: %w", id, err)
	}

	name := fmt.Sprintf("%s-%06d-%s.eml", now.UTC().Format("20060102T150405Z"), id,
		randomHex(4))
	path := filepath.Join(s.dir, name)
	if err := writeNew(path, msg.WriteTo); err != nil {
		return fmt.Errorf("write mail %d: %w", id, err)
	}

	s.log.InfoContext(ctx, "mail written to file (no smtp server configured)",
		"id", id, "to", m.To, "subject", headerSafe(m.Subject), "file", path)
	return nil
}

// writeNew creates path, which must not exist yet, readable by the owner
// only, and fills it with write. A partly written file is removed.
func writeNew(path string, write func(w io.Writer) (int64, error)) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}
