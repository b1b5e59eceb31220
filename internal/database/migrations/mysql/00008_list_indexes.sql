-- A provider reads its orders by group (open, completed, cancelled), and
-- the list counts them by provider and status. For a provider holding a
-- large share of all orders, neither index on provider nor on status
-- narrowed that count enough, and it read every order; with both columns
-- in one index it reads only the provider's index entries.

-- +goose Up
CREATE INDEX idx_orders_provider_status ON orders (provider_id, status);

-- +goose Down
DROP INDEX idx_orders_provider_status ON orders;
