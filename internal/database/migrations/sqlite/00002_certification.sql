-- Uploaded files, enterprise certifications and the audit log.

-- +goose Up
ALTER TABLE users ADD COLUMN credit_code VARCHAR(18) NULL;
CREATE UNIQUE INDEX uq_users_credit_code ON users (credit_code);

CREATE TABLE files (
    id            INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    storage_key   VARCHAR(64)  NOT NULL,
    original_name VARCHAR(255) NOT NULL,
    content_type  VARCHAR(100) NOT NULL,
    size_bytes    BIGINT       NOT NULL,
    sha256        CHAR(64)     NOT NULL,
    width         INTEGER      NULL,
    height        INTEGER      NULL,
    uploaded_by   INTEGER      NOT NULL REFERENCES users (id),
    created_at    DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_files_storage_key ON files (storage_key);

CREATE TABLE certifications (
    id                           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    enterprise_id                INTEGER      NOT NULL REFERENCES users (id),
    region_code                  VARCHAR(6)   NOT NULL REFERENCES regions (code),
    company_name                 VARCHAR(100) NOT NULL,
    credit_code                  VARCHAR(18)  NOT NULL,
    legal_representative         VARCHAR(50)  NOT NULL,
    legal_representative_id      VARCHAR(18)  NOT NULL,
    business_license_file_id     INTEGER      NOT NULL REFERENCES files (id),
    id_card_front_file_id        INTEGER      NOT NULL REFERENCES files (id),
    id_card_back_file_id         INTEGER      NOT NULL REFERENCES files (id),
    status                       VARCHAR(16)  NOT NULL,
    reason                       VARCHAR(500) NULL,
    decided_by                   INTEGER      NULL REFERENCES users (id),
    decided_at                   DATETIME     NULL,
    created_at                   DATETIME     NOT NULL,
    updated_at                   DATETIME     NOT NULL
);
CREATE INDEX idx_certifications_enterprise ON certifications (enterprise_id, id);
CREATE INDEX idx_certifications_queue ON certifications (status, region_code, id);
CREATE INDEX idx_certifications_credit_code ON certifications (credit_code, status);

CREATE TABLE audit_logs (
    id          INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER      NULL,
    actor_role  VARCHAR(16)  NOT NULL,
    action      VARCHAR(64)  NOT NULL,
    target_type VARCHAR(32)  NOT NULL,
    target_id   VARCHAR(64)  NOT NULL,
    detail      VARCHAR(1000) NOT NULL DEFAULT '',
    client_ip   VARCHAR(64)  NOT NULL DEFAULT '',
    request_id  VARCHAR(64)  NOT NULL DEFAULT '',
    created_at  DATETIME     NOT NULL
);
CREATE INDEX idx_audit_logs_actor ON audit_logs (actor_id, id);
CREATE INDEX idx_audit_logs_action ON audit_logs (action, id);
CREATE INDEX idx_audit_logs_target ON audit_logs (target_type, target_id);
CREATE INDEX idx_audit_logs_created ON audit_logs (created_at);

-- +goose Down
DROP TABLE audit_logs;
DROP TABLE certifications;
DROP TABLE files;
DROP INDEX uq_users_credit_code;
ALTER TABLE users DROP COLUMN credit_code;
