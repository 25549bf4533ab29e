-- VPC peering connections, listed in two partitions; tags belong to a resource within a
-- partition (../0018_peering.sql, which rebuilds `tags`: PostgreSQL replaces its key).
CREATE TABLE vpc_peering_connections (
    id                 TEXT COLLATE "C" PRIMARY KEY,
    requester_pid      BIGINT NOT NULL REFERENCES partitions(id),
    requester_owner    TEXT COLLATE "C" NOT NULL,
    requester_region   TEXT COLLATE "C" NOT NULL,
    requester_vpc_id   TEXT COLLATE "C" NOT NULL,
    requester_cidrs    TEXT COLLATE "C" NOT NULL,
    requester_ipv6     TEXT COLLATE "C" NOT NULL,
    requester_dns      BOOLEAN NOT NULL DEFAULT FALSE,
    accepter_pid       BIGINT REFERENCES partitions(id),
    accepter_owner     TEXT COLLATE "C" NOT NULL,
    accepter_region    TEXT COLLATE "C" NOT NULL,
    accepter_vpc_id    TEXT COLLATE "C" NOT NULL,
    accepter_cidrs     TEXT COLLATE "C" NOT NULL,
    accepter_ipv6      TEXT COLLATE "C" NOT NULL,
    accepter_dns       BOOLEAN NOT NULL DEFAULT FALSE,
    state              TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending-acceptance', 'active', 'rejected', 'failed', 'expired', 'deleted')),
    ended_by           TEXT COLLATE "C",
    create_time        TEXT COLLATE "C" NOT NULL,
    expiration_time    TEXT COLLATE "C" NOT NULL,
    ended_at           TEXT COLLATE "C"
);
CREATE INDEX vpc_peering_connections_requester ON vpc_peering_connections (requester_pid);
CREATE INDEX vpc_peering_connections_accepter ON vpc_peering_connections (accepter_pid);

ALTER TABLE tags DROP CONSTRAINT tags_pkey, ADD PRIMARY KEY (resource_id, pid, key);
