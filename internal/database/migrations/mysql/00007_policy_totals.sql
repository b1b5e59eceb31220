-- A policy's reserved and used amounts are the sums over its benefits,
-- read when an administrator looks at the policy. Keeping copies on the
-- policy's row made every discounted checkout under one policy queue on
-- that row.

-- +goose Up
ALTER TABLE policies
    DROP CONSTRAINT chk_policies_nonnegative,
    DROP COLUMN budget_reserved_fen,
    DROP COLUMN budget_used_fen;

-- +goose Down
ALTER TABLE policies
    ADD COLUMN budget_reserved_fen BIGINT NOT NULL DEFAULT 0 AFTER budget_claimed_fen,
    ADD COLUMN budget_used_fen     BIGINT NOT NULL DEFAULT 0 AFTER budget_reserved_fen;
UPDATE policies SET
    budget_reserved_fen = (SELECT COALESCE(SUM(reserved_fen), 0) FROM benefits
                           WHERE benefits.policy_id = policies.id),
    budget_used_fen     = (SELECT COALESCE(SUM(used_fen), 0) FROM benefits
                           WHERE benefits.policy_id = policies.id);
ALTER TABLE policies ADD CONSTRAINT chk_policies_nonnegative
    CHECK (budget_reserved_fen >= 0 AND budget_used_fen >= 0);
