package database

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// slogLogger routes GORM's messages through the application's logger:
// failed statements as errors, slow ones as warnings, nothing else.
type slogLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func newLogger(log *slog.Logger, slow time.Duration) logger.Interface {
	return &slogLogger{log: log.With("component", "gorm"), slow: slow}
}

func (l *slogLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l *slogLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.InfoContext(ctx, msg, "args", args)
}

func (l *slogLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.WarnContext(ctx, msg, "args", args)
}

func (l *slogLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.ErrorContext(ctx, msg, "args", args)
}

// ParamsFilter keeps argument values out of logged SQL: placeholders are
// logged instead, so that password hashes and tokens never reach the log.
func (l *slogLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// Trace logs a statement only when it failed for a reason other than a
// missing row, or ran longer than the slow-query threshold.
func (l *slogLogger) Trace(ctx context.Context, begin time.Time,
	fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && ctx.Err() == nil:
		sql, rows := fc()
		l.log.WarnContext(ctx, "sql failed", "sql", truncate(sql), "rows", rows,
			"elapsed_ms", elapsed.Milliseconds(), "error", err.Error())
	case l.slow > 0 && elapsed > l.slow:
		sql, rows := fc()
		l.log.WarnContext(ctx, "slow sql", "sql", truncate(sql), "rows", rows,
			"elapsed_ms", elapsed.Milliseconds())
	}
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500] + "…"
	}
	return s
}
