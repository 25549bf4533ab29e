-- IPv6: VPC /56 blocks, unique across every account and region (one pool, one internet), the
-- Amazon pool's cursor, each subnet's /64 (at most one), IPv6-only subnets, and interface
-- IPv6 addresses, unique per subnet (so per VPC: subnet /64s never overlap).

CREATE TABLE vpc_ipv6_blocks (
    association_id TEXT PRIMARY KEY,
    vpc_id         TEXT NOT NULL REFERENCES vpcs(id) ON DELETE CASCADE,
    cidr           TEXT NOT NULL UNIQUE,
    pool           TEXT NOT NULL,
    position       INTEGER NOT NULL
);
CREATE INDEX vpc_ipv6_blocks_vpc ON vpc_ipv6_blocks (vpc_id);

-- The next index of the Amazon pool to hand out: released /56s go to the back of the queue.
CREATE TABLE ipv6_pool_cursor (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    next INTEGER NOT NULL
);
INSERT INTO ipv6_pool_cursor (id, next) VALUES (1, 1);

CREATE TABLE subnet_ipv6_blocks (
    association_id TEXT PRIMARY KEY,
    subnet_id      TEXT NOT NULL UNIQUE REFERENCES subnets(id) ON DELETE CASCADE,
    vpc_id         TEXT NOT NULL REFERENCES vpcs(id),
    cidr           TEXT NOT NULL,
    UNIQUE (vpc_id, cidr)
);

ALTER TABLE subnets ADD COLUMN ipv6_native INTEGER NOT NULL DEFAULT 0;

CREATE TABLE ipv6_addresses (
    subnet_id  TEXT NOT NULL REFERENCES subnets(id),
    address    TEXT NOT NULL,
    eni_id     TEXT NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    is_primary INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (subnet_id, address)
) WITHOUT ROWID;
CREATE INDEX ipv6_addresses_eni ON ipv6_addresses (eni_id);
