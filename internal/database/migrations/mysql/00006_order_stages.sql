-- Order stages: the timeline of every order, its stage files, evaluations.

-- +goose Up
CREATE TABLE order_attachments (
    id          BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id    BIGINT      NOT NULL,
    kind        VARCHAR(24) NOT NULL,
    file_id     BIGINT      NOT NULL,
    uploaded_by BIGINT      NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    KEY idx_order_attachments_order (order_id, id),
    CONSTRAINT fk_order_attachments_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_order_attachments_file FOREIGN KEY (file_id) REFERENCES files (id),
    CONSTRAINT fk_order_attachments_user FOREIGN KEY (uploaded_by) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE order_events (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id      BIGINT        NOT NULL,
    actor_id      BIGINT        NOT NULL,
    actor_role    VARCHAR(16)   NOT NULL,
    action        VARCHAR(32)   NOT NULL,
    from_status   VARCHAR(24)   NOT NULL,
    to_status     VARCHAR(24)   NOT NULL,
    note          VARCHAR(2000) NOT NULL DEFAULT '',
    attachment_id BIGINT        NULL,
    created_at    DATETIME(6)   NOT NULL,
    KEY idx_order_events_order (order_id, id),
    CONSTRAINT fk_order_events_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_order_events_actor FOREIGN KEY (actor_id) REFERENCES users (id),
    CONSTRAINT fk_order_events_attachment FOREIGN KEY (attachment_id) REFERENCES order_attachments (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE evaluations (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    order_id      BIGINT      NOT NULL,
    product_id    BIGINT      NOT NULL,
    enterprise_id BIGINT      NOT NULL,
    rating        INT         NOT NULL,
    usage_report  TEXT        NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    UNIQUE KEY uq_evaluations_order_product (order_id, product_id),
    KEY idx_evaluations_product (product_id, id),
    CONSTRAINT fk_evaluations_order FOREIGN KEY (order_id) REFERENCES orders (id),
    CONSTRAINT fk_evaluations_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_evaluations_enterprise FOREIGN KEY (enterprise_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE evaluations;
DROP TABLE order_events;
DROP TABLE order_attachments;
