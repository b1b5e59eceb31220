-- Regions, users and refresh tokens: what signing in needs.

-- +goose Up
CREATE TABLE regions (
    code        VARCHAR(6)  NOT NULL PRIMARY KEY,
    parent_code VARCHAR(6)  NULL,
    level       VARCHAR(8)  NOT NULL,
    name        VARCHAR(64) NOT NULL,
    KEY idx_regions_parent (parent_code),
    CONSTRAINT fk_regions_parent FOREIGN KEY (parent_code) REFERENCES regions (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE users (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username        VARCHAR(32)  NOT NULL,
    username_key    VARCHAR(32)  NOT NULL,
    role            VARCHAR(16)  NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    email           VARCHAR(254) NOT NULL,
    phone           VARCHAR(11)  NULL,
    company_name    VARCHAR(100) NOT NULL DEFAULT '',
    contact_name    VARCHAR(50)  NOT NULL DEFAULT '',
    region_code     VARCHAR(6)   NULL,
    provider_status VARCHAR(16)  NULL,
    password_hash   VARCHAR(255) NOT NULL,
    session_version INT          NOT NULL DEFAULT 1,
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    UNIQUE KEY uq_users_username (username_key),
    UNIQUE KEY uq_users_email (email),
    UNIQUE KEY uq_users_phone (phone),
    KEY idx_users_role (role, id),
    KEY idx_users_region (region_code),
    CONSTRAINT fk_users_region FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE refresh_tokens (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT      NOT NULL,
    family     VARCHAR(32) NOT NULL,
    token_hash CHAR(64)    NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at    DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY uq_refresh_tokens_hash (token_hash),
    KEY idx_refresh_tokens_family (family),
    KEY idx_refresh_tokens_user (user_id),
    CONSTRAINT fk_refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE regions;
