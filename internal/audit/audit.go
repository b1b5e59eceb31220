// Package audit names the entries of the append-only record of decisions
// and state changes: who did what to which object, when, and from which
// address. auditdb stores them.
package audit

import (
	"context"
	"time"

	"shangyun/internal/paging"
)

// Entry is one recorded action. The actor, client address and request id
// come from the context of the request that made the change.
type Entry struct {
	Action     string
	TargetType string
	TargetID   string
	Detail     string
}

// Recorder appends entries inside the transaction ctx carries, so that an
// entry exists exactly when its change does.
type Recorder interface {
	Record(ctx context.Context, e Entry) error
}

// Record is a stored entry, as read back.
type Record struct {
	ID         int64
	ActorID    int64
	ActorRole  string
	Action     string
	TargetType string
	TargetID   string
	Detail     string
	ClientIP   string
	RequestID  string
	CreatedAt  time.Time
}

// Filter selects entries to read; zero fields select all.
type Filter struct {
	ActorID    int64
	Action     string
	TargetType string
	TargetID   string
	From, To   time.Time
	Page       paging.Request
}
