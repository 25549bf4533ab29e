-- IPv6 blocks, the Amazon pool's cursor, interface IPv6 addresses (../0008_ipv6.sql).

CREATE TABLE vpc_ipv6_blocks (
    association_id TEXT COLLATE "C" PRIMARY KEY,
    vpc_id         TEXT COLLATE "C" NOT NULL REFERENCES vpcs(id) ON DELETE CASCADE,
    cidr           TEXT COLLATE "C" NOT NULL UNIQUE,
    pool           TEXT COLLATE "C" NOT NULL,
    position       BIGINT NOT NULL
);
CREATE INDEX vpc_ipv6_blocks_vpc ON vpc_ipv6_blocks (vpc_id);

CREATE TABLE ipv6_pool_cursor (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    next BIGINT NOT NULL
);
INSERT INTO ipv6_pool_cursor (id, next) VALUES (1, 1);

CREATE TABLE subnet_ipv6_blocks (
    association_id TEXT COLLATE "C" PRIMARY KEY,
    subnet_id      TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES subnets(id) ON DELETE CASCADE,
    vpc_id         TEXT COLLATE "C" NOT NULL REFERENCES vpcs(id),
    cidr           TEXT COLLATE "C" NOT NULL,
    UNIQUE (vpc_id, cidr)
);

ALTER TABLE subnets ADD COLUMN ipv6_native BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE ipv6_addresses (
    subnet_id  TEXT COLLATE "C" NOT NULL REFERENCES subnets(id),
    address    TEXT COLLATE "C" NOT NULL,
    eni_id     TEXT COLLATE "C" NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    is_primary BOOLEAN NOT NULL,
    position   BIGINT NOT NULL,
    PRIMARY KEY (subnet_id, address)
);
CREATE INDEX ipv6_addresses_eni ON ipv6_addresses (eni_id);
