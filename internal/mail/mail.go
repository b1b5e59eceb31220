// Package mail owns Shangyun's outgoing mail: the templates that word each
// notice, a durable outbox that stores a message in the same database
// transaction as the change that causes it, a worker that sends stored
// messages with retries (safe with several instances over one database),
// and the senders that hand a message to an SMTP server or, when none is
// configured, write it to a folder.
package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidMessage is returned, wrapped with the reason, for a message
// that cannot be sent: a bad recipient address, an empty subject or an
// empty body.
var ErrInvalidMessage = errors.New("invalid mail message")

// Column sizes of outbox_messages, which a normalised message respects.
const (
	maxAddrLen    = 254
	maxNameLen    = 100
	maxSubjectLen = 255
	maxErrorLen   = 1000
)

// Message is one mail to one recipient. Text is required; HTML, when set,
// is sent as the alternative that mail clients prefer.
type Message struct {
	To      string // bare address, e.g. li@example.com
	ToName  string // display name, may be empty
	Subject string
	Text    string
	HTML    string
}

// normalize returns m made safe to store and send, or ErrInvalidMessage.
// Names and subjects become header values, so control characters are
// removed there: a CR or LF would otherwise let a value start a header of
// its own (for instance a Bcc).
func (m Message) normalize() (Message, error) {
	addr, err := mail.ParseAddress(strings.TrimSpace(m.To))
	if err != nil || containsControl(m.To) {
		return Message{}, fmt.Errorf("%w: recipient %q is not an address", ErrInvalidMessage, m.To)
	}
	if len(addr.Address) > maxAddrLen {
		return Message{}, fmt.Errorf("%w: recipient address is too long", ErrInvalidMessage)
	}
	if m.ToName == "" {
		m.ToName = addr.Name
	}
	m.To = addr.Address
	m.ToName = truncate(headerSafe(m.ToName), maxNameLen)
	m.Subject = truncate(headerSafe(m.Subject), maxSubjectLen)

	if m.Subject == "" {
		return Message{}, fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	}
	if strings.TrimSpace(m.Text) == "" {
		return Message{}, fmt.Errorf("%w: empty text body", ErrInvalidMessage)
	}
	return m, nil
}

// headerSafe returns s fit to be a header value: every control character
// (CR and LF included) becomes a space, runs of spaces collapse to one,
// and invalid UTF-8 is dropped.
func headerSafe(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func containsControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// truncate cuts s to at most n characters (not bytes, since MySQL
// counts characters in a VARCHAR).
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
