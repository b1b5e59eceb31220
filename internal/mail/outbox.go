package mail

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
)

// Statuses of a stored message.
const (
	StatusPending = "pending" // waiting for its first or next attempt
	StatusSent    = "sent"    // accepted by the mail server (or written to a file)
	StatusFailed  = "failed"  // gave up after the retry limit; kept for inspection
)

// OutboxRow is a message as stored in outbox_messages. Pointer fields are
// the columns that may be NULL.
//
// Known limit: sent and failed rows are kept for ever, with the recipient's
// address and the body; nothing purges them yet.
type OutboxRow struct {
	ID            int64     `gorm:"primaryKey"`
	ToAddr        string    `gorm:"column:to_addr;size:254;not null"`
	ToName        string    `gorm:"column:to_name;size:100;not null"`
	Subject       string    `gorm:"size:255;not null"`
	TextBody      string    `gorm:"column:text_body;not null"`
	HTMLBody      string    `gorm:"column:html_body;not null"`
	Status        string    `gorm:"size:16;not null"`
	Attempts      int       `gorm:"not null"`
	NextAttemptAt time.Time `gorm:"not null"`
	LockedBy      *string   `gorm:"size:64"`
	LockedUntil   *time.Time
	LastError     *string   `gorm:"size:1000"`
	CreatedAt     time.Time `gorm:"not null"`
	SentAt        *time.Time
}

// TableName names the table.
func (OutboxRow) TableName() string { return "outbox_messages" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&OutboxRow{}} }

func (r OutboxRow) message() Message {
	return Message{To: r.ToAddr, ToName: r.ToName, Subject: r.Subject,
		Text: r.TextBody, HTML: r.HTMLBody}
}

// Outbox stores messages for the Worker to send.
type Outbox struct {
	db  *gorm.DB
	now func() time.Time
}

// NewOutbox returns an Outbox over db. now is the clock that stamps new
// messages (time.Now when nil); give it the Worker's clock so that a new
// message is due at once.
func NewOutbox(db *gorm.DB, now func() time.Time) *Outbox {
	if now == nil {
		now = time.Now
	}
	return &Outbox{db: db, now: now}
}

// Enqueue stores m, due at once, in the transaction that ctx carries (see
// database.Transactor), so that the message exists if and only if the
// change that caused it is committed. It returns ErrInvalidMessage for a
// message that could never be sent, and the database's error otherwise.
func (o *Outbox) Enqueue(ctx context.Context, m Message) error {
	m, err := m.normalize()
	if err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}

	now := dbTime(o.now())
	row := OutboxRow{ToAddr: m.To, ToName: m.ToName, Subject: m.Subject, TextBody: m.Text,
		HTMLBody: m.HTML, Status: StatusPending, NextAttemptAt: now, CreatedAt: now}
	if err := database.Conn(ctx, o.db).Create(&row).Error; err != nil {
		return fmt.Errorf("enqueue mail: %w", err)
	}
	return nil
}

// dbTime gives t the form every stored time has: UTC, so that SQLite's
// textual times compare in order, and microseconds, which is all that
// MySQL's DATETIME(6) keeps.
func dbTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}
