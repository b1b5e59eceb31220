-- Order stages: the timeline of every order, its stage files, evaluations.

-- +goose Up
CREATE TABLE order_attachments (
    id          INTEGER     NOT NULL PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER     NOT NULL REFERENCES orders (id),
    kind        VARCHAR(24) NOT NULL,
    file_id     INTEGER     NOT NULL REFERENCES files (id),
    uploaded_by INTEGER     NOT NULL REFERENCES users (id),
    created_at  DATETIME    NOT NULL
);
CREATE INDEX idx_order_attachments_order ON order_attachments (order_id, id);

CREATE TABLE order_events (
    id            INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    order_id      INTEGER      NOT NULL REFERENCES orders (id),
    actor_id      INTEGER      NOT NULL REFERENCES users (id),
    actor_role    VARCHAR(16)  NOT NULL,
    action        VARCHAR(32)  NOT NULL,
    from_status   VARCHAR(24)  NOT NULL,
    to_status     VARCHAR(24)  NOT NULL,
    note          VARCHAR(2000) NOT NULL DEFAULT '',
    attachment_id INTEGER      NULL REFERENCES order_attachments (id),
    created_at    DATETIME     NOT NULL
);
CREATE INDEX idx_order_events_order ON order_events (order_id, id);

CREATE TABLE evaluations (
    id            INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    order_id      INTEGER  NOT NULL REFERENCES orders (id),
    product_id    INTEGER  NOT NULL REFERENCES products (id),
    enterprise_id INTEGER  NOT NULL REFERENCES users (id),
    rating        INTEGER  NOT NULL,
    usage_report  TEXT     NOT NULL,
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX uq_evaluations_order_product ON evaluations (order_id, product_id);
CREATE INDEX idx_evaluations_product ON evaluations (product_id, id);

-- +goose Down
DROP TABLE evaluations;
DROP TABLE order_events;
DROP TABLE order_attachments;
