-- The mail outbox: messages written in the transaction of the change that
-- causes them, and sent later by a worker that leases one at a time.

-- +goose Up
CREATE TABLE outbox_messages (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    to_addr         VARCHAR(254)  NOT NULL,
    to_name         VARCHAR(100)  NOT NULL DEFAULT '',
    subject         VARCHAR(255)  NOT NULL,
    text_body       MEDIUMTEXT    NOT NULL,
    html_body       MEDIUMTEXT    NOT NULL,
    status          VARCHAR(16)   NOT NULL,
    attempts        INT           NOT NULL DEFAULT 0,
    next_attempt_at DATETIME(6)   NOT NULL,
    locked_by       VARCHAR(64)   NULL,
    locked_until    DATETIME(6)   NULL,
    last_error      VARCHAR(1000) NULL,
    created_at      DATETIME(6)   NOT NULL,
    sent_at         DATETIME(6)   NULL,
    -- The worker's query: pending messages that are due, oldest first.
    KEY idx_outbox_messages_due (status, next_attempt_at),
    CONSTRAINT ck_outbox_messages_status CHECK (status IN ('pending', 'sent', 'failed'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE outbox_messages;
