-- The catalog: categories, provider profiles, products, specs, attachments.

-- +goose Up
CREATE TABLE categories (
    id            BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    parent_id     BIGINT      NULL,
    name          VARCHAR(50) NOT NULL,
    introduction  TEXT        NOT NULL,
    image_file_id BIGINT      NULL,
    sort_order    INT         NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    KEY idx_categories_parent (parent_id, sort_order, id),
    CONSTRAINT fk_categories_parent FOREIGN KEY (parent_id) REFERENCES categories (id),
    CONSTRAINT fk_categories_image FOREIGN KEY (image_file_id) REFERENCES files (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE providers (
    user_id       BIGINT       NOT NULL PRIMARY KEY,
    description   TEXT         NOT NULL,
    website       VARCHAR(200) NOT NULL DEFAULT '',
    logo_file_id  BIGINT       NULL,
    status_reason VARCHAR(500) NULL,
    updated_at    DATETIME(6)  NOT NULL,
    CONSTRAINT fk_providers_user FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT fk_providers_logo FOREIGN KEY (logo_file_id) REFERENCES files (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE products (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    provider_id   BIGINT       NOT NULL,
    category_id   BIGINT       NOT NULL,
    name          VARCHAR(100) NOT NULL,
    summary       VARCHAR(300) NOT NULL DEFAULT '',
    description   TEXT         NOT NULL,
    cover_file_id BIGINT       NULL,
    status        VARCHAR(16)  NOT NULL,
    blocked       BOOLEAN      NOT NULL DEFAULT FALSE,
    block_reason  VARCHAR(500) NULL,
    min_price_fen BIGINT       NULL,
    rating_count  INT          NOT NULL DEFAULT 0,
    rating_total  INT          NOT NULL DEFAULT 0,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    KEY idx_products_category (status, category_id, id),
    KEY idx_products_public (status, id),
    KEY idx_products_price (status, min_price_fen, id),
    KEY idx_products_provider (provider_id, status, id),
    CONSTRAINT fk_products_provider FOREIGN KEY (provider_id) REFERENCES users (id),
    CONSTRAINT fk_products_category FOREIGN KEY (category_id) REFERENCES categories (id),
    CONSTRAINT fk_products_cover FOREIGN KEY (cover_file_id) REFERENCES files (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE specs (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id   BIGINT       NOT NULL,
    name         VARCHAR(50)  NOT NULL,
    description  VARCHAR(500) NOT NULL DEFAULT '',
    price_fen    BIGINT       NOT NULL,
    billing_unit VARCHAR(16)  NOT NULL,
    active       BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6)  NOT NULL,
    KEY idx_specs_product (product_id, active, price_fen),
    CONSTRAINT fk_specs_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE product_attachments (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    product_id BIGINT      NOT NULL,
    file_id    BIGINT      NOT NULL,
    created_at DATETIME(6) NOT NULL,
    KEY idx_product_attachments_product (product_id, id),
    CONSTRAINT fk_product_attachments_product FOREIGN KEY (product_id) REFERENCES products (id),
    CONSTRAINT fk_product_attachments_file FOREIGN KEY (file_id) REFERENCES files (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE product_attachments;
DROP TABLE specs;
DROP TABLE products;
DROP TABLE providers;
DROP TABLE categories;
