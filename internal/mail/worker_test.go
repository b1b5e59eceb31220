package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/mail"
	"shangyun/internal/testkit"
)

const from = "noreply@shangyun.test"

// fixture is a fresh database with an outbox on a test clock.
type fixture struct {
	db     *gorm.DB
	clock  *testkit.Clock
	outbox *mail.Outbox
	tx     *database.Transactor
}

func newFixture(t *testing.T, driver string) fixture {
	t.Helper()
	db := testkit.NewDB(t, driver)
	clock := testkit.NewClock()
	return fixture{db: db, clock: clock, outbox: mail.NewOutbox(db, clock.Now),
		tx: database.NewTransactor(db)}
}

func (f fixture) worker(t *testing.T, sender mail.Sender, cfg mail.WorkerConfig) *mail.Worker {
	t.Helper()
	cfg.Now = f.clock.Now
	cfg.Log = testkit.Logger(t)
	if cfg.Instance == "" {
		cfg.Instance = "test-worker"
	}
	return mail.NewWorker(f.db, sender, cfg)
}

func (f fixture) smtpWorker(t *testing.T, addr string) *mail.Worker {
	t.Helper()
	sender, err := mail.NewSMTPSender(addr, from)
	if err != nil {
		t.Fatal(err)
	}
	return f.worker(t, sender, mail.WorkerConfig{})
}

func (f fixture) enqueue(t *testing.T, m mail.Message) {
	t.Helper()
	if err := f.outbox.Enqueue(context.Background(), m); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func (f fixture) rows(t *testing.T) []mail.OutboxRow {
	t.Helper()
	var rows []mail.OutboxRow
	if err := f.db.Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

func (f fixture) onlyRow(t *testing.T) mail.OutboxRow {
	t.Helper()
	rows := f.rows(t)
	if len(rows) != 1 {
		t.Fatalf("got %d outbox rows, want 1", len(rows))
	}
	return rows[0]
}

func runOnce(t *testing.T, w *mail.Worker, want int) {
	t.Helper()
	sent, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if sent != want {
		t.Fatalf("RunOnce sent %d, want %d", sent, want)
	}
}

func plain(to, subject string) mail.Message {
	return mail.Message{To: to, Subject: subject, Text: "正文 " + subject}
}

func TestDeliveryInTransaction(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		srv := testkit.NewSMTPServer(t)
		w := f.smtpWorker(t, srv.Addr())

		m, err := mail.Render(mail.TemplateCertificationApproved, "li@example.com", "李雷",
			mail.CertificationApproved{CompanyName: "河南云帆科技有限公司", ContactName: "李雷",
				DecidedAt: f.clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		err = f.tx.InTx(context.Background(), func(ctx context.Context) error {
			return f.outbox.Enqueue(ctx, m)
		})
		if err != nil {
			t.Fatal(err)
		}
		runOnce(t, w, 1)

		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server got %d messages, want 1", len(msgs))
		}
		if got := strings.Join(msgs[0].To, ","); got != "li@example.com" {
			t.Errorf("envelope recipients = %q, want li@example.com", got)
		}
		if msgs[0].From != from {
			t.Errorf("envelope sender = %q, want %q", msgs[0].From, from)
		}
		p := msgs[0]
		if want := "【企业上云公共服务平台】企业认证审核通过"; p.Subject != want {
			t.Errorf("subject = %q, want %q", p.Subject, want)
		}
		to, err := p.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "li@example.com" || to[0].Name != "李雷" {
			t.Errorf("To = %v (%v), want 李雷 <li@example.com>", to, err)
		}
		for _, h := range []string{"Date", "Message-Id"} {
			if p.Header.Get(h) == "" {
				t.Errorf("no %s header", h)
			}
		}
		if !strings.Contains(p.Text, "河南云帆科技有限公司") || !strings.Contains(p.Text, "审核通过") {
			t.Errorf("text part lacks the decision:\n%s", p.Text)
		}
		if !strings.Contains(p.HTML, "<strong>河南云帆科技有限公司</strong>") {
			t.Errorf("html part lacks the company:\n%s", p.HTML)
		}

		row := f.onlyRow(t)
		if row.Status != mail.StatusSent || row.SentAt == nil || row.Attempts != 1 ||
			row.LockedBy != nil || row.LockedUntil != nil {
			t.Errorf("row after sending = %+v, want sent once with no lease", row)
		}
		runOnce(t, w, 0)
	})
}

func TestRolledBackMessageIsNeverSent(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		srv := testkit.NewSMTPServer(t)
		w := f.smtpWorker(t, srv.Addr())

		errDecision := errors.New("decision failed")
		err := f.tx.InTx(context.Background(), func(ctx context.Context) error {
			if err := f.outbox.Enqueue(ctx, plain("li@example.com", "回滚")); err != nil {
				return err
			}
			return errDecision
		})
		if !errors.Is(err, errDecision) {
			t.Fatalf("InTx = %v, want %v", err, errDecision)
		}

		runOnce(t, w, 0)
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server got %d messages, want 0", n)
		}
		if rows := f.rows(t); len(rows) != 0 {
			t.Errorf("outbox holds %d rows after rollback, want 0", len(rows))
		}
	})
}

func TestServerDownThenUp(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		srv := testkit.NewSMTPServer(t)
		srv.Stop() // nothing listens on its address until Start
		w := f.smtpWorker(t, srv.Addr())
		start := f.clock.Now()
		f.enqueue(t, plain("li@example.com", "稍后送达"))

		runOnce(t, w, 0)
		row := f.onlyRow(t)
		if row.Status != mail.StatusPending || row.Attempts != 1 || row.LastError == nil ||
			row.LockedBy != nil || row.LockedUntil != nil {
			t.Fatalf("row after failed send = %+v, want pending, 1 attempt, error, no lease", row)
		}
		if want := start.Add(30 * time.Second); !row.NextAttemptAt.Equal(want) {
			t.Fatalf("next attempt at %v, want %v", row.NextAttemptAt, want)
		}

		srv.Start(t)
		f.clock.Advance(29 * time.Second)
		runOnce(t, w, 0) // not due yet, though the server is up
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("server got %d messages before the retry time, want 0", n)
		}

		f.clock.Advance(time.Second)
		runOnce(t, w, 1)
		runOnce(t, w, 0)
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("server got %d messages, want exactly 1", n)
		}
		if row := f.onlyRow(t); row.Status != mail.StatusSent || row.Attempts != 2 {
			t.Errorf("row = %+v, want sent after 2 attempts", row)
		}
	})
}

// failingSender refuses every message, counting the tries.
type failingSender struct {
	calls atomic.Int32
	err   error
}

func (s *failingSender) Send(context.Context, int64, mail.Message) error {
	s.calls.Add(1)
	return s.err
}

func TestRetryLimitMarksFailed(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		// A long error in a script that takes several bytes a character,
		// to show that last_error is cut by characters to fit its column.
		sender := &failingSender{err: errors.New("451 " + strings.Repeat("稍后再试", 400))}
		w := f.worker(t, sender, mail.WorkerConfig{MaxAttempts: 3})
		f.enqueue(t, plain("li@example.com", "总是失败"))

		for attempt := 1; attempt <= 3; attempt++ {
			now := f.clock.Now()
			runOnce(t, w, 0)
			row := f.onlyRow(t)
			if row.Attempts != attempt || row.LockedBy != nil {
				t.Fatalf("after attempt %d: row = %+v", attempt, row)
			}
			wantDelay := 30 * time.Second << (attempt - 1)
			if attempt < 3 && !row.NextAttemptAt.Equal(now.Add(wantDelay)) {
				t.Errorf("after attempt %d: next attempt in %v, want %v",
					attempt, row.NextAttemptAt.Sub(now), wantDelay)
			}
			f.clock.Advance(2 * time.Hour)
		}

		row := f.onlyRow(t)
		if row.Status != mail.StatusFailed || row.LastError == nil {
			t.Fatalf("row = %+v, want failed with an error", row)
		}
		if n := utf8.RuneCountInString(*row.LastError); n != 1000 {
			t.Errorf("last_error holds %d characters, want 1000", n)
		}
		runOnce(t, w, 0)
		if n := sender.calls.Load(); n != 3 {
			t.Errorf("sender called %d times, want 3", n)
		}
	})
}

func TestConcurrentWorkersSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		srv := testkit.NewSMTPServer(t)
		sender, err := mail.NewSMTPSender(srv.Addr(), from)
		if err != nil {
			t.Fatal(err)
		}
		const messages, workers = 40, 4
		for i := range messages {
			f.enqueue(t, plain(fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("消息 %d", i)))
		}
		ws := make([]*mail.Worker, workers)
		for i := range ws {
			ws[i] = f.worker(t, sender, mail.WorkerConfig{
				Instance: fmt.Sprintf("worker-%d", i), Batch: 8})
		}

		var total atomic.Int64
		for round := 0; round < 20 && total.Load() < messages; round++ {
			var wg sync.WaitGroup
			for _, w := range ws {
				wg.Go(func() {
					sent, err := w.RunOnce(context.Background())
					if err != nil {
						t.Errorf("RunOnce: %v", err)
					}
					total.Add(int64(sent))
				})
			}
			wg.Wait()
		}

		if total.Load() != messages {
			t.Errorf("workers report %d sent, want %d", total.Load(), messages)
		}
		count := map[string]int{}
		for _, m := range srv.Messages() {
			count[strings.Join(m.To, ",")]++
		}
		for i := range messages {
			if to := fmt.Sprintf("user%d@example.com", i); count[to] != 1 {
				t.Errorf("%s received %d times, want 1", to, count[to])
			}
		}
		if n := len(srv.Messages()); n != messages {
			t.Errorf("server got %d messages, want %d", n, messages)
		}
	})
}

func TestHeaderInjectionIsDefused(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		srv := testkit.NewSMTPServer(t)
		w := f.smtpWorker(t, srv.Addr())
		const evil = "\r\nBcc: evil@example.com"
		f.enqueue(t, mail.Message{To: "li@example.com", ToName: "李雷" + evil,
			Subject: "你好" + evil, Text: "正文"})

		runOnce(t, w, 1)
		msgs := srv.Messages()
		if len(msgs) != 1 {
			t.Fatalf("server got %d messages, want 1", len(msgs))
		}
		if got := strings.Join(msgs[0].To, ","); got != "li@example.com" {
			t.Errorf("envelope recipients = %q, want li@example.com only", got)
		}
		p := msgs[0]
		if bcc := p.Header["Bcc"]; bcc != nil {
			t.Errorf("message carries Bcc %q", bcc)
		}
		to, err := p.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "li@example.com" {
			t.Errorf("To = %v (%v), want one address li@example.com", to, err)
		}
		if strings.ContainsAny(p.Subject, "\r\n") {
			t.Errorf("subject %q kept a line break", p.Subject)
		}
	})
}

func TestEnqueueRejectsBadMessages(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		for name, m := range map[string]mail.Message{
			"not an address":    plain("not an address", "主题"),
			"empty address":     plain("", "主题"),
			"header in address": plain("li@example.com\r\nBcc: evil@example.com", "主题"),
			"two addresses":     plain("a@example.com, b@example.com", "主题"),
			"empty subject":     plain("li@example.com", "\r\n"),
			"empty text":        {To: "li@example.com", Subject: "主题", HTML: "<p>x</p>"},
			"address too long":  plain(strings.Repeat("a", 250)+"@example.com", "主题"),
		} {
			err := f.outbox.Enqueue(context.Background(), m)
			if !errors.Is(err, mail.ErrInvalidMessage) {
				t.Errorf("%s: Enqueue = %v, want ErrInvalidMessage", name, err)
			}
		}
		if rows := f.rows(t); len(rows) != 0 {
			t.Errorf("outbox holds %d rows, want 0", len(rows))
		}
	})
}

func TestRunStopsWithContext(t *testing.T) {
	t.Parallel()
	testkit.EachDriver(t, func(t *testing.T, driver string) {
		t.Parallel()
		f := newFixture(t, driver)
		srv := testkit.NewSMTPServer(t)
		w := f.smtpWorker(t, srv.Addr())
		f.enqueue(t, plain("li@example.com", "后台发送"))

		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			w.Run(ctx, time.Hour) // the first run is immediate
			close(done)
		}()
		if _, err := srv.Wait(t.Context(), 1); err != nil {
			t.Fatal(err)
		}
		cancel()
		<-done
		if row := f.onlyRow(t); row.Status != mail.StatusSent {
			t.Errorf("row status = %s, want sent", row.Status)
		}
	})
}
