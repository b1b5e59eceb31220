package testkit

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// ParsedMail is a mail message taken apart: its headers, its subject with
// RFC 2047 encoded words decoded, and its plain text and HTML bodies with
// their transfer encoding undone.
type ParsedMail struct {
	Header  netmail.Header
	Subject string
	Text    string
	HTML    string
}

// ReceivedMail is one message as an SMTPServer accepted it: the envelope
// sender and recipients, the raw data, and the data parsed.
type ReceivedMail struct {
	From string
	To   []string
	Data []byte
	ParsedMail
}

// SMTPServer is a real SMTP server on loopback that keeps every message it
// accepts. It serves from NewSMTPServer until the test ends; Stop and Start
// take it down and bring it back on the same address, for tests of a mail
// server that is out of reach for a while. Messages survive a restart.
//
// A message that does not parse as mail is refused with 554 and fails the
// test, so that every test reading Messages sees well-formed mail.
type SMTPServer struct {
	t    *testing.T
	addr string

	mu      sync.Mutex
	srv     *smtp.Server  // nil while stopped
	ln      net.Listener  // srv's listener
	served  chan struct{} // closed when srv stops serving
	msgs    []ReceivedMail
	changed chan struct{} // closed, and replaced, on every accepted message
	ended   bool          // the test is over: report nothing more to t
}

// NewSMTPServer starts an SMTP server on a free loopback port, stopped when
// the test ends.
func NewSMTPServer(t *testing.T) *SMTPServer {
	t.Helper()
	s := &SMTPServer{t: t, changed: make(chan struct{})}
	s.listen(t, "127.0.0.1:0")
	t.Cleanup(func() {
		s.mu.Lock()
		s.ended = true
		s.mu.Unlock()
		s.Stop()
	})
	return s
}

// Addr returns the server's host:port, the same after a restart.
func (s *SMTPServer) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Start serves again on Addr after Stop. It fails t when the server is
// running or the address cannot be taken back.
func (s *SMTPServer) Start(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	running := s.srv != nil
	s.mu.Unlock()
	if running {
		t.Fatalf("smtp test server on %s is running already", s.Addr())
	}
	s.listen(t, s.Addr())
}

// Stop closes the listener and every open connection, so that a client
// connecting to Addr is refused, and returns once the server no longer
// accepts. Stopping a stopped server does nothing.
func (s *SMTPServer) Stop() {
	s.mu.Lock()
	srv, ln, served := s.srv, s.ln, s.served
	s.srv = nil
	s.mu.Unlock()
	if srv == nil {
		return
	}
	// srv.Close closes only the listeners Serve has registered, which it
	// may not have done yet: closing ln too makes sure Serve returns.
	_ = srv.Close()
	_ = ln.Close()
	<-served
}

// Messages returns a copy of the messages accepted so far, oldest first.
func (s *SMTPServer) Messages() []ReceivedMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.msgs)
}

// Wait blocks until the server holds at least n messages and returns them,
// or returns ctx's error when ctx ends first.
func (s *SMTPServer) Wait(ctx context.Context, n int) ([]ReceivedMail, error) {
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := slices.Clone(s.msgs)
			s.mu.Unlock()
			return msgs, nil
		}
		changed := s.changed
		s.mu.Unlock()

		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for %d mail messages: %w", n, ctx.Err())
		}
	}
}

// listen serves SMTP on addr ("127.0.0.1:0" for any free port).
func (s *SMTPServer) listen(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen smtp: %v", err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s}, nil
	}))
	srv.Domain = "localhost"
	srv.MaxRecipients = 10
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()

	s.mu.Lock()
	s.addr, s.srv, s.ln, s.served = l.Addr().String(), srv, l, served
	s.mu.Unlock()
}

// accept keeps a message, or refuses it when it does not parse.
func (s *SMTPServer) accept(from string, to []string, data []byte) error {
	p, err := parseMail(data)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if !s.ended {
			s.t.Errorf("smtp test server: message from %s is not valid mail: %v\n%s",
				from, err, data)
		}
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "malformed message: " + err.Error()}
	}
	s.msgs = append(s.msgs, ReceivedMail{From: from, To: to, Data: data, ParsedMail: p})
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// smtpSession is one client's conversation.
type smtpSession struct {
	srv  *SMTPServer
	from string
	to   []string
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return s.srv.accept(s.from, slices.Clone(s.to), b)
}

// ParseMail reads raw as an RFC 5322 message, decodes its subject
// (RFC 2047) and collects its text and HTML bodies. It fails the test when
// raw is not well-formed mail.
func ParseMail(t *testing.T, raw []byte) ParsedMail {
	t.Helper()
	p, err := parseMail(raw)
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, raw)
	}
	return p
}

func parseMail(raw []byte) (ParsedMail, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return ParsedMail{}, fmt.Errorf("read message: %w", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return ParsedMail{}, fmt.Errorf("decode subject: %w", err)
	}

	p := ParsedMail{Header: msg.Header, Subject: subject}
	ct := msg.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/") {
		err = collectParts(&p, ct, msg.Body)
	} else {
		var b []byte
		b, err = io.ReadAll(decodeBody(msg.Header.Get("Content-Transfer-Encoding"), msg.Body))
		p.Text = string(b)
	}
	if err != nil {
		return ParsedMail{}, fmt.Errorf("parts: %w", err)
	}
	return p, nil
}

// collectParts walks a multipart body, nested ones included, keeping the
// text/plain and text/html parts.
func collectParts(p *ParsedMail, contentType string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(mediaType, "multipart/") {
		return errors.New("not multipart: " + mediaType)
	}

	mr := multipart.NewReader(body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		// NextPart undoes quoted-printable and then drops the header.
		enc := part.Header.Get("Content-Transfer-Encoding")
		b, err := io.ReadAll(decodeBody(enc, part))
		if err != nil {
			return err
		}
		ct := part.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "multipart/"):
			if err := collectParts(p, ct, bytes.NewReader(b)); err != nil {
				return err
			}
		case strings.HasPrefix(ct, "text/plain"):
			p.Text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			p.HTML = string(b)
		}
	}
}

// decodeBody undoes a transfer encoding; 7bit, 8bit and binary bodies are
// read as they are.
func decodeBody(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	default:
		return r
	}
}
