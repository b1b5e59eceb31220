package mail_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// received is one message as an SMTP server got it.
type received struct {
	From string
	To   []string
	Data []byte
}

// smtpServer is a real SMTP server on loopback that keeps every message.
type smtpServer struct {
	Addr string

	mu   sync.Mutex
	msgs []received
	got  chan struct{} // one value per message, for tests that wait
}

// startSMTP serves SMTP on addr ("127.0.0.1:0" for any free port) until the
// test ends.
func startSMTP(t *testing.T, addr string) *smtpServer {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen smtp: %v", err)
	}
	s := &smtpServer{Addr: l.Addr().String(), got: make(chan struct{}, 1000)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{srv: s}, nil
	}))
	srv.Domain = "localhost"
	srv.MaxRecipients = 10
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// Messages returns a copy of what the server received so far.
func (s *smtpServer) Messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

type session struct {
	srv  *smtpServer
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, received{From: s.from, To: s.to, Data: b})
	s.srv.mu.Unlock()
	s.srv.got <- struct{}{}
	return nil
}

// parsed is a received message taken apart.
type parsed struct {
	Header  netmail.Header
	Subject string
	Text    string
	HTML    string
}

// parseMessage reads raw as RFC 5322, decodes the subject (RFC 2047) and
// collects the text and HTML parts, quoted-printable decoded.
func parseMessage(t *testing.T, raw []byte) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	p := parsed{Header: msg.Header, Subject: subject}
	ct := msg.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "multipart/") {
		err = collectParts(&p, ct, msg.Body)
	} else {
		var b []byte
		b, err = io.ReadAll(quotedprintable.NewReader(msg.Body))
		p.Text = string(b)
	}
	if err != nil {
		t.Fatalf("parts: %v\n%s", err, raw)
	}
	return p
}

func collectParts(p *parsed, contentType string, body io.Reader) error {
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
		b, err := io.ReadAll(part) // NextPart undoes quoted-printable
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
