-- Regions, users and refresh tokens: what signing in needs.

-- +goose Up
CREATE TABLE regions (
    code        VARCHAR(6)  NOT NULL PRIMARY KEY,
    parent_code VARCHAR(6)  NULL REFERENCES regions (code),
    level       VARCHAR(8)  NOT NULL,
    name        VARCHAR(64) NOT NULL
);
CREATE INDEX idx_regions_parent ON regions (parent_code);

CREATE TABLE users (
    id              INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    username        VARCHAR(32)  NOT NULL,
    username_key    VARCHAR(32)  NOT NULL,
    role            VARCHAR(16)  NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    email           VARCHAR(254) NOT NULL,
    phone           VARCHAR(11)  NULL,
    company_name    VARCHAR(100) NOT NULL DEFAULT '',
    contact_name    VARCHAR(50)  NOT NULL DEFAULT '',
    region_code     VARCHAR(6)   NULL REFERENCES regions (code),
    provider_status VARCHAR(16)  NULL,
    password_hash   VARCHAR(255) NOT NULL,
    session_version INTEGER      NOT NULL DEFAULT 1,
    created_at      DATETIME     NOT NULL,
    updated_at      DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_users_username ON users (username_key);
CREATE UNIQUE INDEX uq_users_email ON users (email);
CREATE UNIQUE INDEX uq_users_phone ON users (phone);
CREATE INDEX idx_users_role ON users (role, id);
CREATE INDEX idx_users_region ON users (region_code);

CREATE TABLE refresh_tokens (
    id         INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     VARCHAR(32) NOT NULL,
    token_hash CHAR(64)    NOT NULL,
    expires_at DATETIME    NOT NULL,
    used_at    DATETIME    NULL,
    revoked_at DATETIME    NULL,
    created_at DATETIME    NOT NULL
);
CREATE UNIQUE INDEX uq_refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX idx_refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX idx_refresh_tokens_user ON refresh_tokens (user_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE regions;
