-- The mail outbox: messages written in the transaction of the change that
-- causes them, and sent later by a worker that leases one at a time.

-- +goose Up
CREATE TABLE outbox_messages (
    id              INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
    to_addr         VARCHAR(254)  NOT NULL,
    to_name         VARCHAR(100)  NOT NULL DEFAULT '',
    subject         VARCHAR(255)  NOT NULL,
    text_body       TEXT          NOT NULL,
    html_body       TEXT          NOT NULL,
    status          VARCHAR(16)   NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER       NOT NULL DEFAULT 0,
    next_attempt_at DATETIME      NOT NULL,
    locked_by       VARCHAR(64)   NULL,
    locked_until    DATETIME      NULL,
    last_error      VARCHAR(1000) NULL,
    created_at      DATETIME      NOT NULL,
    sent_at         DATETIME      NULL
);
-- The worker's query: pending messages that are due, oldest first.
CREATE INDEX idx_outbox_messages_due ON outbox_messages (status, next_attempt_at);

-- +goose Down
DROP TABLE outbox_messages;
