-- Subsidy policies, benefits, the ledger, carts, orders and idempotency.

-- +goose Up
CREATE TABLE policies (
    id                       INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
    name                     VARCHAR(100)  NOT NULL,
    description              TEXT          NOT NULL,
    discount_rate            INTEGER       NOT NULL,
    per_order_cap_fen        BIGINT        NOT NULL,
    per_enterprise_quota_fen BIGINT        NOT NULL,
    total_budget_fen         BIGINT        NOT NULL,
    budget_claimed_fen       BIGINT        NOT NULL DEFAULT 0,
    budget_reserved_fen      BIGINT        NOT NULL DEFAULT 0,
    budget_used_fen          BIGINT        NOT NULL DEFAULT 0,
    beneficiaries            INTEGER       NOT NULL DEFAULT 0,
    valid_from               DATETIME      NOT NULL,
    valid_until              DATETIME      NOT NULL,
    status                   VARCHAR(16)   NOT NULL,
    version                  INTEGER       NOT NULL DEFAULT 1,
    created_at               DATETIME      NOT NULL,
    updated_at               DATETIME      NOT NULL,
    CHECK (budget_claimed_fen <= total_budget_fen),
    CHECK (budget_reserved_fen >= 0 AND budget_used_fen >= 0)
);
CREATE INDEX idx_policies_status ON policies (status, id);

CREATE TABLE policy_categories (
    policy_id   INTEGER NOT NULL REFERENCES policies (id),
    category_id INTEGER NOT NULL REFERENCES categories (id),
    PRIMARY KEY (policy_id, category_id)
);

CREATE TABLE policy_regions (
    policy_id   INTEGER    NOT NULL REFERENCES policies (id),
    region_code VARCHAR(6) NOT NULL REFERENCES regions (code),
    PRIMARY KEY (policy_id, region_code)
);

CREATE TABLE benefits (
    id            INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
    policy_id     INTEGER     NOT NULL REFERENCES policies (id),
    enterprise_id INTEGER     NOT NULL REFERENCES users (id),
    status        VARCHAR(16) NOT NULL,
    quota_fen     BIGINT      NOT NULL DEFAULT 0,
    reserved_fen  BIGINT      NOT NULL DEFAULT 0,
    used_fen      BIGINT      NOT NULL DEFAULT 0,
    created_at    DATETIME    NOT NULL,
    updated_at    DATETIME    NOT NULL,
    CHECK (reserved_fen >= 0 AND used_fen >= 0 AND reserved_fen + used_fen <= quota_fen)
);
CREATE UNIQUE INDEX uq_benefits_policy_enterprise ON benefits (policy_id, enterprise_id);
CREATE INDEX idx_benefits_enterprise ON benefits (enterprise_id, status);

CREATE TABLE ledger_entries (
    id            INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
    policy_id     INTEGER     NOT NULL REFERENCES policies (id),
    benefit_id    INTEGER     NOT NULL REFERENCES benefits (id),
    enterprise_id INTEGER     NOT NULL REFERENCES users (id),
    order_id      INTEGER     NULL,
    kind          VARCHAR(16) NOT NULL,
    amount_fen    BIGINT      NOT NULL,
    created_at    DATETIME    NOT NULL
);
CREATE INDEX idx_ledger_policy ON ledger_entries (policy_id, kind);
CREATE INDEX idx_ledger_benefit ON ledger_entries (benefit_id, kind);
CREATE INDEX idx_ledger_order ON ledger_entries (order_id);

CREATE TABLE cart_items (
    id            INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    enterprise_id INTEGER  NOT NULL REFERENCES users (id),
    spec_id       INTEGER  NOT NULL REFERENCES specs (id),
    quantity      INTEGER  NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_cart_items_spec ON cart_items (enterprise_id, spec_id);

CREATE TABLE orders (
    id                 INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    enterprise_id      INTEGER      NOT NULL REFERENCES users (id),
    provider_id        INTEGER      NOT NULL REFERENCES users (id),
    provider_name      VARCHAR(100) NOT NULL,
    status             VARCHAR(24)  NOT NULL,
    subtotal_fen       BIGINT       NOT NULL,
    discount_fen       BIGINT       NOT NULL,
    payable_fen        BIGINT       NOT NULL,
    benefit_id         INTEGER      NULL REFERENCES benefits (id),
    policy_id          INTEGER      NULL REFERENCES policies (id),
    policy_version     INTEGER      NULL,
    policy_name        VARCHAR(100) NULL,
    discount_rate      INTEGER      NULL,
    per_order_cap_fen  BIGINT       NULL,
    no_discount_reason VARCHAR(32)  NULL,
    created_at         DATETIME     NOT NULL,
    updated_at         DATETIME     NOT NULL
);
CREATE INDEX idx_orders_enterprise ON orders (enterprise_id, id);
CREATE INDEX idx_orders_provider ON orders (provider_id, id);
CREATE INDEX idx_orders_status ON orders (status, id);

CREATE TABLE order_lines (
    id             INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    order_id       INTEGER      NOT NULL REFERENCES orders (id),
    product_id     INTEGER      NOT NULL REFERENCES products (id),
    spec_id        INTEGER      NOT NULL REFERENCES specs (id),
    category_id    INTEGER      NOT NULL REFERENCES categories (id),
    product_name   VARCHAR(100) NOT NULL,
    spec_name      VARCHAR(50)  NOT NULL,
    unit_price_fen BIGINT       NOT NULL,
    quantity       INTEGER      NOT NULL,
    billing_unit   VARCHAR(16)  NOT NULL,
    line_total_fen BIGINT       NOT NULL,
    covered        BOOLEAN      NOT NULL
);
CREATE INDEX idx_order_lines_order ON order_lines (order_id, id);

CREATE TABLE idempotency_keys (
    id              INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER      NOT NULL REFERENCES users (id),
    idem_key        VARCHAR(255) NOT NULL,
    request_hash    CHAR(64)     NOT NULL,
    status          VARCHAR(16)  NOT NULL,
    response_status INTEGER      NULL,
    response_body   TEXT         NULL,
    created_at      DATETIME     NOT NULL,
    expires_at      DATETIME     NOT NULL
);
CREATE UNIQUE INDEX uq_idempotency_keys ON idempotency_keys (user_id, idem_key);
CREATE INDEX idx_idempotency_expires ON idempotency_keys (expires_at);

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
