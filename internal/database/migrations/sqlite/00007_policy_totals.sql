-- A policy's reserved and used amounts are the sums over its benefits,
-- read when an administrator looks at the policy. Keeping copies on the
-- policy's row made every discounted checkout under one policy queue on
-- that row.
--
-- SQLite cannot drop a column a CHECK names, so the table is rebuilt.
-- Other tables refer to policies: with the checks deferred to the end of
-- the migration's transaction, the rows put back satisfy them again.

-- +goose Up
PRAGMA defer_foreign_keys = ON;
CREATE TABLE policies_copy AS SELECT * FROM policies;
DROP TABLE policies;
CREATE TABLE policies (
    id                       INTEGER       NOT NULL PRIMARY KEY AUTOINCREMENT,
    name                     VARCHAR(100)  NOT NULL,
    description              TEXT          NOT NULL,
    discount_rate            INTEGER       NOT NULL,
    per_order_cap_fen        BIGINT        NOT NULL,
    per_enterprise_quota_fen BIGINT        NOT NULL,
    total_budget_fen         BIGINT        NOT NULL,
    budget_claimed_fen       BIGINT        NOT NULL DEFAULT 0,
    beneficiaries            INTEGER       NOT NULL DEFAULT 0,
    valid_from               DATETIME      NOT NULL,
    valid_until              DATETIME      NOT NULL,
    status                   VARCHAR(16)   NOT NULL,
    version                  INTEGER       NOT NULL DEFAULT 1,
    created_at               DATETIME      NOT NULL,
    updated_at               DATETIME      NOT NULL,
    CHECK (budget_claimed_fen <= total_budget_fen)
);
INSERT INTO policies (id, name, description, discount_rate, per_order_cap_fen,
    per_enterprise_quota_fen, total_budget_fen, budget_claimed_fen, beneficiaries, valid_from,
    valid_until, status, version, created_at, updated_at)
SELECT id, name, description, discount_rate, per_order_cap_fen, per_enterprise_quota_fen,
    total_budget_fen, budget_claimed_fen, beneficiaries, valid_from, valid_until, status,
    version, created_at, updated_at
FROM policies_copy;
DROP TABLE policies_copy;
CREATE INDEX idx_policies_status ON policies (status, id);

-- +goose Down
ALTER TABLE policies ADD COLUMN budget_reserved_fen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE policies ADD COLUMN budget_used_fen BIGINT NOT NULL DEFAULT 0;
UPDATE policies SET
    budget_reserved_fen = (SELECT COALESCE(SUM(reserved_fen), 0) FROM benefits
                           WHERE benefits.policy_id = policies.id),
    budget_used_fen     = (SELECT COALESCE(SUM(used_fen), 0) FROM benefits
                           WHERE benefits.policy_id = policies.id);
