-- Subsidy policies, benefits, the ledger, carts, orders and idempotency.

-- +goose Up
CREATE TABLE policies (
    id                       BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name                     VARCHAR(100) NOT NULL,
    description              TEXT         NOT NULL,
    discount_rate            INT          NOT NULL,
    per_order_cap_fen        BIGINT       NOT NULL,
    per_enterprise_quota_fen BIGINT       NOT NULL,
    total_budget_fen         BIGINT       NOT NULL,
    budget_claimed_fen       BIGINT       NOT NULL DEFAULT 0,
    budget_reserved_fen      BIGINT       NOT NULL DEFAULT 0,
    budget_used_fen          BIGINT       NOT NULL DEFAULT 0,
    beneficiaries            INT          NOT NULL DEFAULT 0,
    valid_from               DATETIME(6)  NOT NULL,
    valid_until              DATETIME(6)  NOT NULL,
    status                   VARCHAR(16)  NOT NULL,
    version                  INT          NOT NULL DEFAULT 1,
    created_at               DATETIME(6)  NOT NULL,
    updated_at               DATETIME(6)  NOT NULL,
    KEY idx_policies_status (status, id),
    CONSTRAINT chk_policies_claimed CHECK (budget_claimed_fen <= total_budget_fen),
    CONSTRAINT chk_policies_nonnegative CHECK (budget_reserved_fen >= 0 AND budget_used_fen >= 0)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE policy_categories (
    policy_id   BIGINT NOT NULL,
    category_id BIGINT NOT NULL,
    PRIMARY KEY (policy_id, category_id),
    CONSTRAINT fk_policy_categories_policy FOREIGN KEY (policy_id) REFERENCES policies (id),
    CONSTRAINT fk_policy_categories_category FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE policy_regions (
    policy_id   BIGINT     NOT NULL,
    region_code VARCHAR(6) NOT NULL,
    PRIMARY KEY (policy_id, region_code),
    CONSTRAINT fk_policy_regions_policy FOREIGN KEY (policy_id) REFERENCES policies (id),
    CONSTRAINT fk_policy_regions_region FOREIGN KEY (region_code) REFERENCES regions (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE benefits (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    policy_id     BIGINT      NOT NULL,
    enterprise_id BIGINT      NOT NULL,
    status        VARCHAR(16) NOT NULL,
    quota_fen     BIGINT      NOT NULL DEFAULT 0,
    reserved_fen  BIGINT      NOT NULL DEFAULT 0,
    used_fen      BIGINT      NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    UNIQUE KEY uq_benefits_policy_enterprise (policy_id, enterprise_id),
    KEY idx_benefits_enterprise (enterprise_id, status),
    CONSTRAINT fk_benefits_policy FOREIGN KEY (policy_id) REFERENCES policies (id),
    CONSTRAINT fk_benefits_enterprise FOREIGN KEY (enterprise_id) REFERENCES users (id),
    CONSTRAINT chk_benefits_balance
        CHECK (reserved_fen >= 0 AND used_fen >= 0 AND reserved_fen + used_fen <= quota_fen)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE ledger_entries (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    policy_id     BIGINT      NOT NULL,
    benefit_id    BIGINT      NOT NULL,
    enterprise_id BIGINT      NOT NULL,
    order_id      BIGINT      NULL,
    kind          VARCHAR(16) NOT NULL,
    amount_fen    BIGINT      NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    KEY idx_ledger_policy (policy_id, kind),
    KEY idx_ledger_benefit (benefit_id, kind),
    KEY idx_ledger_order (order_id),
    CONSTRAINT fk_ledger_policy FOREIGN KEY (policy_id) REFERENCES policies (id),
    CONSTRAINT fk_ledger_benefit FOREIGN KEY (benefit_id) REFERENCES benefits (id),
    CONSTRAINT fk_ledger_enterprise FOREIGN KEY (enterprise_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE cart_items (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id BIGINT      NOT NULL,
    spec_id       BIGINT      NOT NULL,
    quantity      INT         NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    UNIQUE KEY uq_cart_items_spec (enterprise_id, spec_id),
    CONSTRAINT fk_cart_items_enterprise FOREIGN KEY (enterprise_id) REFERENCES users (id),
    CONSTRAINT fk_cart_items_spec FOREIGN KEY (spec_id) REFERENCES specs (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE orders (
    id                 BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    enterprise_id      BIGINT       NOT NULL,
    provider_id        BIGINT       NOT NULL,
    provider_name      VARCHAR(100) NOT NULL,
    status             VARCHAR(24)  NOT NULL,
    subtotal_fen       BIGINT       NOT NULL,
    discount_fen       BIGINT       NOT NULL,
    payable_fen        BIGINT       NOT NULL,
    benefit_id         BIGINT       NULL,
    policy_id          BIGINT       NULL,
    policy_version     INT          NULL,
    policy_name        VARCHAR(100) NULL,
    discount_rate      INT          NULL,
    per_order_cap_fen  BIGINT       NULL,
    no_discount_reason VARCHAR(32)  NULL,
    created_at         DATETIME(6)  NOT NULL,
    updated_at         DATETIME(6)  NOT NULL,
    KEY idx_orders_enterprise (enterprise_id, id),
    KEY idx_orders_provider (provider_id, id),
    KEY idx_orders_status (status, id),
    CONSTRAINT fk_orders_enterprise FOREIGN KEY (enterprise_id) REFERENCES users (id),
    CONSTRAINT fk_orders_provider FOREIGN KEY (provider_id) REFERENCES users (id),
    CONSTRAINT fk_orders_benefit FOREIGN KEY (benefit_id) REFERENCES benefits (id),
    CONSTRAINT fk_orders_policy FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE order_lines (
    id             BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id       BIGINT       NOT NULL,
    product_id     BIGINT       NOT NULL,
    spec_id        BIGINT       NOT NULL,
    category_id    BIGINT       NOT NULL,
    product_name   VARCHAR(100) NOT NULL,
    spec_name      VARCHAR(50)  NOT NULL,
    unit_price_fen BIGINT       NOT NULL,
    quantity       INT          NOT NULL,
    billing_unit   VARCHAR(16)  NOT NULL,
    line_total_fen BIGINT       NOT NULL,
    covered        BOOLEAN      NOT NULL,
    KEY idx_order_lines_order (order_id, id),
    CONSTRAINT fk_order_lines_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_order_lines_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_order_lines_spec FOREIGN KEY (spec_id) REFERENCES specs (id),
    CONSTRAINT fk_order_lines_category FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE idempotency_keys (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id         BIGINT       NOT NULL,
    idem_key        VARCHAR(255) NOT NULL,
    request_hash    CHAR(64)     NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    response_status INT          NULL,
    response_body   MEDIUMTEXT   NULL,
    created_at      DATETIME(6)  NOT NULL,
    expires_at      DATETIME(6)  NOT NULL,
    UNIQUE KEY uq_idempotency_keys (user_id, idem_key),
    KEY idx_idempotency_expires (expires_at),
    CONSTRAINT fk_idempotency_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE cart_items;
DROP TABLE ledger_entries;
DROP TABLE benefits;
DROP TABLE policy_regions;
DROP TABLE policy_categories;
DROP TABLE policies;
