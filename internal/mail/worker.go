package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"gorm.io/gorm"
)

// WorkerConfig tunes a Worker. Zero values take the defaults named.
type WorkerConfig struct {
	// Instance names this worker in the leases it takes; it must differ
	// between workers. Default: host name and a random suffix.
	Instance string
	// Batch is how many due messages one RunOnce considers. Default 20.
	Batch int
	// Lease is how long a claimed message stays reserved for this worker.
	// It must exceed the time one send can take, or a slow send may be
	// repeated by another worker. Default 2 minutes.
	Lease time.Duration
	// MaxAttempts is how many sends are tried before a message is marked
	// failed. Default 30: with the default backoff that is about a day of
	// retries, so an outage of the mail server over a night loses nothing.
	MaxAttempts int
	// Backoff is the wait after the first failure; it doubles after each
	// further failure up to MaxBackoff. Defaults 30 seconds and 1 hour.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives one line per failure and per run that sent mail, never
	// a message body. Default slog.Default().
	Log *slog.Logger
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.Instance == "" {
		c.Instance = defaultInstance()
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 30
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// defaultInstance is unique enough for leases: two processes on one host
// still differ by the random part.
func defaultInstance() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "shangyun"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return truncate(host, 50) + "-" + hex.EncodeToString(b)
}

// Worker sends the messages of an Outbox. Any number of workers, in one
// process or several, may share one database: each message is claimed by
// a lease that one worker alone can take, so it is sent once. A worker
// that dies holding a lease delays that message until the lease ends.
//
// Delivery is at least once: a message whose send succeeded but whose
// status could not be recorded is sent again after its lease.
type Worker struct {
	db     *gorm.DB
	sender Sender
	cfg    WorkerConfig
	log    *slog.Logger
}

// NewWorker returns a Worker sending the messages stored in db through
// sender.
func NewWorker(db *gorm.DB, sender Sender, cfg WorkerConfig) *Worker {
	cfg = cfg.withDefaults()
	return &Worker{db: db, sender: sender, cfg: cfg,
		log: cfg.Log.With("component", "mail", "instance", cfg.Instance)}
}

// Run calls RunOnce at once and then every interval (10 seconds when not
// positive) until ctx ends. A run that found a full batch is followed by
// another straight away, so that a backlog drains without waiting.
// Failures are logged, never returned: the next run tries again.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = 10 * time.Second
	}
	w.log.InfoContext(ctx, "mail worker started", "interval", interval.String())
	ticker := time.NewTicker(interval)
	defer ticker.Stop()

	for {
		w.drain(ctx)
		select {
		case <-ctx.Done():
			w.log.InfoContext(ctx, "mail worker stopped")
			return
		case <-ticker.C:
		}
	}
}

func (w *Worker) drain(ctx context.Context) {
	for ctx.Err() == nil {
		sent, full, err := w.runOnce(ctx)
		if sent > 0 {
			w.log.InfoContext(ctx, "mail sent", "count", sent)
		}
		if err != nil {
			if ctx.Err() == nil {
				w.log.ErrorContext(ctx, "mail run failed", "error", err.Error())
			}
			return
		}
		if !full {
			return
		}
	}
}

// RunOnce sends the due messages of one batch, oldest first, and returns
// how many were sent. A failed send is not an error of RunOnce: it is
// recorded on the message, which is retried after a backoff or, past the
// retry limit, marked failed. The error reports a database failure or the
// end of ctx, which stop the run early.
func (w *Worker) RunOnce(ctx context.Context) (sent int, err error) {
	sent, _, err = w.runOnce(ctx)
	return sent, err
}

func (w *Worker) runOnce(ctx context.Context) (sent int, full bool, err error) {
	ids, err := w.due(ctx)
	if err != nil {
		return 0, false, err
	}

	// Claiming right before each send, not the whole batch at once, keeps
	// each lease as short as one send.
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return sent, false, fmt.Errorf("send mail: %w", err)
		}
		row, won, err := w.claim(ctx, id)
		if err != nil {
			return sent, false, err
		}
		if !won {
			continue
		}
		ok, err := w.deliver(ctx, row)
		if ok {
			sent++
		}
		if err != nil {
			return sent, false, err
		}
	}
	return sent, len(ids) == w.cfg.Batch, nil
}

// dueWhere selects pending messages whose time has come and whose lease,
// if any, has ended. claim repeats it so that one worker alone wins.
const dueWhere = "status = ? AND next_attempt_at <= ? AND " +
	"(locked_until IS NULL OR locked_until < ?)"

func (w *Worker) due(ctx context.Context) ([]int64, error) {
	now := dbTime(w.cfg.Now())
	var ids []int64
	err := w.db.WithContext(ctx).Model(&OutboxRow{}).
		Where(dueWhere, StatusPending, now, now).
		Order("next_attempt_at, id").Limit(w.cfg.Batch).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find due mail: %w", err)
	}
	return ids, nil
}

// claim takes the lease on message id with a conditional update: of
// several workers racing for it, the database lets exactly one change the
// row, and the others see no row affected.
func (w *Worker) claim(ctx context.Context, id int64) (OutboxRow, bool, error) {
	now := dbTime(w.cfg.Now())
	res := w.db.WithContext(ctx).Model(&OutboxRow{}).
		Where("id = ? AND "+dueWhere, id, StatusPending, now, now).
		Updates(map[string]any{"locked_by": w.cfg.Instance, "locked_until": now.Add(w.cfg.Lease)})
	if res.Error != nil {
		return OutboxRow{}, false, fmt.Errorf("claim mail %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return OutboxRow{}, false, nil
	}

	var row OutboxRow
	err := w.db.WithContext(ctx).Where("id = ? AND locked_by = ?", id, w.cfg.Instance).
		Take(&row).Error
	if err != nil {
		return OutboxRow{}, false, fmt.Errorf("load claimed mail %d: %w", id, err)
	}
	return row, true, nil
}

// recordTimeout bounds the update that records a send's outcome.
const recordTimeout = 10 * time.Second

// deliver sends row and records the outcome. It reports whether the
// message was sent.
func (w *Worker) deliver(ctx context.Context, row OutboxRow) (bool, error) {
	sendErr := w.sender.Send(ctx, row.ID, row.message())

	// The outcome is recorded even when ctx has ended meanwhile: a message
	// sent but not marked so would be sent again.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	switch {
	case sendErr == nil:
		return true, w.markSent(rctx, row)
	case ctx.Err() != nil:
		// Stopping is not the message's fault: give it back untouched.
		return false, errors.Join(fmt.Errorf("send mail %d: %w", row.ID, ctx.Err()),
			w.release(rctx, row))
	default:
		return false, w.markFailed(rctx, row, sendErr)
	}
}

func (w *Worker) markSent(ctx context.Context, row OutboxRow) error {
	now := dbTime(w.cfg.Now())
	return w.record(ctx, row, map[string]any{
		"status": StatusSent, "sent_at": now, "attempts": row.Attempts + 1,
	})
}

func (w *Worker) markFailed(ctx context.Context, row OutboxRow, sendErr error) error {
	attempts := row.Attempts + 1
	msg := truncate(sendErr.Error(), maxErrorLen)
	set := map[string]any{"attempts": attempts, "last_error": msg}

	if attempts >= w.cfg.MaxAttempts {
		set["status"] = StatusFailed
		w.log.ErrorContext(ctx, "mail failed for good", "id", row.ID,
			"attempts", attempts, "error", msg)
	} else {
		next := dbTime(w.cfg.Now()).Add(w.backoff(attempts))
		set["next_attempt_at"] = next
		w.log.WarnContext(ctx, "mail send failed, will retry", "id", row.ID,
			"attempts", attempts, "next_attempt_at", next, "error", msg)
	}
	return w.record(ctx, row, set)
}

func (w *Worker) release(ctx context.Context, row OutboxRow) error {
	return w.record(ctx, row, map[string]any{})
}

// record applies set to row and always ends the lease. It changes the row
// only while this worker still holds it: a lease that ran out may have
// passed the message to another worker.
func (w *Worker) record(ctx context.Context, row OutboxRow, set map[string]any) error {
	set["locked_by"] = nil
	set["locked_until"] = nil
	res := w.db.WithContext(ctx).Model(&OutboxRow{}).
		Where("id = ? AND locked_by = ?", row.ID, w.cfg.Instance).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("record mail %d: %w", row.ID, res.Error)
	}
	if res.RowsAffected == 0 {
		w.log.WarnContext(ctx, "mail lease lost before its outcome was recorded; "+
			"it may be sent twice", "id", row.ID)
	}
	return nil
}

// backoff is the wait after the given number of failed attempts.
func (w *Worker) backoff(attempts int) time.Duration {
	d := w.cfg.Backoff
	for i := 1; i < attempts && d < w.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.cfg.MaxBackoff)
}
