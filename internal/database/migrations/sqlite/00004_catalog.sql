-- The catalog: categories, provider profiles, products, specs, attachments.

-- +goose Up
CREATE TABLE categories (
    id            INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    parent_id     INTEGER      NULL REFERENCES categories (id),
    name          VARCHAR(50)  NOT NULL,
    introduction  TEXT         NOT NULL,
    image_file_id INTEGER      NULL REFERENCES files (id),
    sort_order    INTEGER      NOT NULL DEFAULT 0,
    created_at    DATETIME     NOT NULL,
    updated_at    DATETIME     NOT NULL
);
CREATE INDEX idx_categories_parent ON categories (parent_id, sort_order, id);

CREATE TABLE providers (
    user_id       INTEGER      NOT NULL PRIMARY KEY REFERENCES users (id),
    description   TEXT         NOT NULL,
    website       VARCHAR(200) NOT NULL DEFAULT '',
    logo_file_id  INTEGER      NULL REFERENCES files (id),
    status_reason VARCHAR(500) NULL,
    updated_at    DATETIME     NOT NULL
);

CREATE TABLE products (
    id            INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    provider_id   INTEGER      NOT NULL REFERENCES users (id),
    category_id   INTEGER      NOT NULL REFERENCES categories (id),
    name          VARCHAR(100) NOT NULL,
    summary       VARCHAR(300) NOT NULL DEFAULT '',
    description   TEXT         NOT NULL,
    cover_file_id INTEGER      NULL REFERENCES files (id),
    status        VARCHAR(16)  NOT NULL,
    blocked       BOOLEAN      NOT NULL DEFAULT FALSE,
    block_reason  VARCHAR(500) NULL,
    min_price_fen BIGINT       NULL,
    rating_count  INTEGER      NOT NULL DEFAULT 0,
    rating_total  INTEGER      NOT NULL DEFAULT 0,
    created_at    DATETIME     NOT NULL,
    updated_at    DATETIME     NOT NULL
);
CREATE INDEX idx_products_category ON products (status, category_id, id);
CREATE INDEX idx_products_public ON products (status, id);
CREATE INDEX idx_products_price ON products (status, min_price_fen, id);
CREATE INDEX idx_products_provider ON products (provider_id, status, id);

CREATE TABLE specs (
    id           INTEGER      NOT NULL PRIMARY KEY AUTOINCREMENT,
    product_id   INTEGER      NOT NULL REFERENCES products (id),
    name         VARCHAR(50)  NOT NULL,
    description  VARCHAR(500) NOT NULL DEFAULT '',
    price_fen    BIGINT       NOT NULL,
    billing_unit VARCHAR(16)  NOT NULL,
    active       BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at   DATETIME     NOT NULL,
    updated_at   DATETIME     NOT NULL
);
CREATE INDEX idx_specs_product ON specs (product_id, active, price_fen);

CREATE TABLE product_attachments (
    id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    product_id INTEGER  NOT NULL REFERENCES products (id),
    file_id    INTEGER  NOT NULL REFERENCES files (id),
    created_at DATETIME NOT NULL
);
CREATE INDEX idx_product_attachments_product ON product_attachments (product_id, id);

-- +goose Down
DROP TABLE product_attachments;
DROP TABLE specs;
DROP TABLE products;
DROP TABLE providers;
DROP TABLE categories;
