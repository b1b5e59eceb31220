package mail

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// smtpTimeout bounds connecting and each step of the conversation, so that
// a mail server that stops answering cannot hold a worker's lease.
const smtpTimeout = 30 * time.Second

// SMTPSender delivers mail to one SMTP server (a relay or a catcher such
// as Mailpit), one connection per message. It does not authenticate, and
// it uses STARTTLS when the server offers it (the certificate must then be
// valid for the host), plain text otherwise: it is meant for a relay
// inside the deployment's own network.
type SMTPSender struct {
	addr string
	host string
	port int
	from *mail.Address
}

// NewSMTPSender returns a sender to the server at addr (host:port) with the
// given From address. It returns an error for a malformed addr or from.
func NewSMTPSender(addr, from string) (*SMTPSender, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return nil, fmt.Errorf("smtp address %q: want host:port", addr)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("smtp address %q: bad port", addr)
	}
	fromAddr, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	return &SMTPSender{addr: addr, host: host, port: port, from: fromAddr}, nil
}

// Send implements Sender. It returns ErrInvalidMessage for a message that
// cannot be sent, and the server's or the network's error otherwise.
func (s *SMTPSender) Send(ctx context.Context, id int64, m Message) error {
	msg, err := buildMsg(s.from, m, time.Now())
	if err != nil {
		return fmt.Errorf("send mail %d: %w", id, err)
	}
	client, err := gomail.NewClient(s.host, gomail.WithPort(s.port),
		gomail.WithTimeout(smtpTimeout), gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	if err != nil {
		return fmt.Errorf("send mail %d: smtp client: %w", id, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail %d to smtp %s: %w", id, s.addr, err)
	}
	return nil
}
