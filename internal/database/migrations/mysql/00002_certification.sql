-- Uploaded files, enterprise certifications and the audit log.

-- +goose Up
ALTER TABLE users ADD COLUMN credit_code VARCHAR(18) NULL,
    ADD UNIQUE KEY uq_users_credit_code (credit_code);

CREATE TABLE files (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    storage_key   VARCHAR(64)  NOT NULL,
    original_name VARCHAR(255) NOT NULL,
    content_type  VARCHAR(100) NOT NULL,
    size_bytes    BIGINT       NOT NULL,
    sha256        CHAR(64)     NOT NULL,
    width         INT          NULL,
    height        INT          NULL,
    uploaded_by   BIGINT       NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    UNIQUE KEY uq_files_storage_key (storage_key),
    CONSTRAINT fk_files_uploader FOREIGN KEY (uploaded_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE certifications (
    id                       BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id            BIGINT       NOT NULL,
    region_code              VARCHAR(6)   NOT NULL,
    company_name             VARCHAR(100) NOT NULL,
    credit_code              VARCHAR(18)  NOT NULL,
    legal_representative     VARCHAR(50)  NOT NULL,
    legal_representative_id  VARCHAR(18)  NOT NULL,
    business_license_file_id BIGINT       NOT NULL,
    id_card_front_file_id    BIGINT       NOT NULL,
    id_card_back_file_id     BIGINT       NOT NULL,
    status                   VARCHAR(16)  NOT NULL,
    reason                   VARCHAR(500) NULL,
    decided_by               BIGINT       NULL,
    decided_at               DATETIME(6)  NULL,
    created_at               DATETIME(6)  NOT NULL,
    updated_at               DATETIME(6)  NOT NULL,
    KEY idx_certifications_enterprise (enterprise_id, id),
    KEY idx_certifications_queue (status, region_code, id),
    KEY idx_certifications_credit_code (credit_code, status),
    CONSTRAINT fk_certifications_enterprise FOREIGN KEY (enterprise_id) REFERENCES users (id),
    CONSTRAINT fk_certifications_region FOREIGN KEY (region_code) REFERENCES regions (code),
    CONSTRAINT fk_certifications_license FOREIGN KEY (business_license_file_id) REFERENCES files (id),
    CONSTRAINT fk_certifications_front FOREIGN KEY (id_card_front_file_id) REFERENCES files (id),
    CONSTRAINT fk_certifications_back FOREIGN KEY (id_card_back_file_id) REFERENCES files (id),
    CONSTRAINT fk_certifications_decider FOREIGN KEY (decided_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE audit_logs (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    actor_id    BIGINT        NULL,
    actor_role  VARCHAR(16)   NOT NULL,
    action      VARCHAR(64)   NOT NULL,
    target_type VARCHAR(32)   NOT NULL,
    target_id   VARCHAR(64)   NOT NULL,
    detail      VARCHAR(1000) NOT NULL DEFAULT '',
    client_ip   VARCHAR(64)   NOT NULL DEFAULT '',
    request_id  VARCHAR(64)   NOT NULL DEFAULT '',
    created_at  DATETIME(6)   NOT NULL,
    KEY idx_audit_logs_actor (actor_id, id),
    KEY idx_audit_logs_action (action, id),
    KEY idx_audit_logs_target (target_type, target_id),
    KEY idx_audit_logs_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE audit_logs;
DROP TABLE certifications;
DROP TABLE files;
ALTER TABLE users DROP INDEX uq_users_credit_code, DROP COLUMN credit_code;
