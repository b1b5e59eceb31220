// Package idempotency makes a retried request safe, after the IETF
// Idempotency-Key draft: the first completed answer under a key is kept
// and replayed to retries with the same body.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"shangyun/internal/database"
	"shangyun/internal/problem"
)

// Retention is how long a key is kept.
const Retention = 24 * time.Hour

// Row is a key as stored.
type Row struct {
	ID             int64     `gorm:"primaryKey"`
	UserID         int64     `gorm:"not null"`
	IdemKey        string    `gorm:"size:255;not null"`
	RequestHash    string    `gorm:"size:64;not null"`
	Status         string    `gorm:"size:16;not null"`
	ResponseStatus *int      `gorm:""`
	ResponseBody   *string   `gorm:"type:text"`
	CreatedAt      time.Time `gorm:"not null"`
	ExpiresAt      time.Time `gorm:"not null"`
}

// TableName names the table.
func (Row) TableName() string { return "idempotency_keys" }

// Models lists the rows this package stores, for schema checks.
func Models() []any { return []any{&Row{}} }

// Keys records requests by key.
type Keys struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns Keys.
func New(db *gorm.DB, now func() time.Time) *Keys {
	if now == nil {
		now = time.Now
	}
	return &Keys{db: db, now: now}
}

// Replay is a kept answer.
type Replay struct {
	Status int
	Body   []byte
}

// ParseKey reads an Idempotency-Key header: a bare token or a quoted
// string, 1 to 255 characters. It answers idempotency_key_missing for an
// empty header and validation_failed for a bad one.
func ParseKey(header string) (string, error) {
	k := strings.TrimSpace(header)
	if len(k) >= 2 && k[0] == '"' && k[len(k)-1] == '"' {
		k = k[1 : len(k)-1]
	}
	switch {
	case header == "":
		return "", problem.New(problem.CodeIdempotencyKeyMissing, problem.Text{
			ZH: "下单请求须带 Idempotency-Key 请求头。", EN: "The Idempotency-Key header is required."})
	case k == "" || len(k) > 255 || strings.ContainsAny(k, "\r\n\""):
		return "", problem.Validation(problem.Field{Field: "Idempotency-Key", Code: "format",
			Message: problem.Text{ZH: "须为 1 到 255 个字符", EN: "must be 1 to 255 characters"}})
	}
	return k, nil
}

// Hash is the SHA-256 of a JSON body in canonical form (object keys
// sorted, no insignificant space), so that equal bodies written
// differently match.
func Hash(body []byte) string {
	var v any
	canonical := body
	if json.Unmarshal(body, &v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canonical = b
		}
	}
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

// Begin claims key for a request. It returns a replay when the key's
// first request completed with the same body; idempotency_key_reused when
// it came with another body; idempotency_in_flight while that request
// still runs. Otherwise it returns the id to Finish or Abandon.
func (k *Keys) Begin(ctx context.Context, userID int64, key, hash string) (int64, *Replay, error) {
	now := k.now().UTC()
	db := database.Conn(ctx, k.db)
	// An expired key is forgotten, so that it may be used afresh.
	if err := db.Where("user_id = ? AND idem_key = ? AND expires_at < ?", userID, key, now).
		Delete(&Row{}).Error; err != nil {
		return 0, nil, fmt.Errorf("expire idempotency key: %w", err)
	}
	row := Row{UserID: userID, IdemKey: key, RequestHash: hash, Status: "in_flight",
		CreatedAt: now, ExpiresAt: now.Add(Retention)}
	for attempt := 1; ; attempt++ {
		row.ID = 0
		err := db.Create(&row).Error
		if err == nil {
			return row.ID, nil, nil
		}
		if _, dup := database.UniqueViolation(err); !dup {
			return 0, nil, fmt.Errorf("claim idempotency key: %w", err)
		}

		var prior Row
		err = db.Where("user_id = ? AND idem_key = ?", userID, key).Take(&prior).Error
		// The request holding the key abandoned it in between: claim it again.
		if errors.Is(err, gorm.ErrRecordNotFound) && attempt < 3 {
			continue
		}
		if err != nil {
			return 0, nil, fmt.Errorf("read idempotency key: %w", err)
		}
		replay, err := answered(prior, hash)
		return 0, replay, err
	}
}

// answered judges a retry by the request that holds its key: the kept
// answer when it is done with the same body, or the problem to give.
func answered(prior Row, hash string) (*Replay, error) {
	switch {
	case prior.RequestHash != hash:
		return nil, problem.New(problem.CodeIdempotencyKeyReused, problem.Text{
			ZH: "该 Idempotency-Key 已用于另一个请求。",
			EN: "This Idempotency-Key was used with another request body."})
	case prior.Status != "done" || prior.ResponseStatus == nil || prior.ResponseBody == nil:
		return nil, problem.New(problem.CodeIdempotencyInFlight, problem.Text{
			ZH: "相同的请求正在处理，请稍后重试。",
			EN: "The first request with this key is still being processed."})
	}
	return &Replay{Status: *prior.ResponseStatus, Body: []byte(*prior.ResponseBody)}, nil
}

// Finish keeps the answer of the request that claimed id.
func (k *Keys) Finish(ctx context.Context, id int64, status int, body []byte) error {
	text := string(body)
	err := database.Conn(ctx, k.db).Model(&Row{}).Where("id = ?", id).Updates(map[string]any{
		"status": "done", "response_status": status, "response_body": text}).Error
	if err != nil {
		return fmt.Errorf("keep idempotent answer: %w", err)
	}
	return nil
}

// Abandon forgets a claim whose request failed without an answer worth
// keeping, so that the client may retry with the same key.
func (k *Keys) Abandon(ctx context.Context, id int64) error {
	err := database.Conn(ctx, k.db).Where("id = ?", id).Delete(&Row{}).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("abandon idempotency key: %w", err)
	}
	return nil
}
