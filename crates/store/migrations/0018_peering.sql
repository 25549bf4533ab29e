-- VPC peering connections (issue 15). A connection belongs to two partitions, the requester's
-- and the accepter's (another account or region of this localvpc), and each lists it.

-- Rejected, deleted and expired connections stay listed for a while after their VPCs are gone:
-- hence no foreign keys to the VPCs. The accepter's partition is NULL when the request named
-- an account or region that has none (the request failed).
CREATE TABLE vpc_peering_connections (
    id                 TEXT PRIMARY KEY,
    requester_pid      INTEGER NOT NULL REFERENCES partitions(id),
    requester_owner    TEXT NOT NULL,
    requester_region   TEXT NOT NULL,
    requester_vpc_id   TEXT NOT NULL,
    -- The VPC's blocks as the connection shows them, comma-separated, the primary first.
    requester_cidrs    TEXT NOT NULL,
    requester_ipv6     TEXT NOT NULL,
    requester_dns      INTEGER NOT NULL DEFAULT 0,
    accepter_pid       INTEGER REFERENCES partitions(id),
    accepter_owner     TEXT NOT NULL,
    accepter_region    TEXT NOT NULL,
    accepter_vpc_id    TEXT NOT NULL,
    accepter_cidrs     TEXT NOT NULL,
    accepter_ipv6      TEXT NOT NULL,
    accepter_dns       INTEGER NOT NULL DEFAULT 0,
    state              TEXT NOT NULL CHECK (state IN ('pending-acceptance', 'active', 'rejected', 'failed', 'expired', 'deleted')),
    ended_by           TEXT,
    create_time        TEXT NOT NULL,
    expiration_time    TEXT NOT NULL,
    ended_at           TEXT
);
CREATE INDEX vpc_peering_connections_requester ON vpc_peering_connections (requester_pid);
CREATE INDEX vpc_peering_connections_accepter ON vpc_peering_connections (accepter_pid);

-- Each side of a connection tags it apart (neither sees the other's tags): a tag belongs to a
-- resource within a partition. Other resources live in one partition, so nothing else changes.
CREATE TABLE tags_by_partition (
    resource_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    pid         INTEGER NOT NULL REFERENCES partitions(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (resource_id, pid, key)
);
INSERT INTO tags_by_partition (resource_id, key, value, pid, position)
    SELECT resource_id, key, value, pid, position FROM tags;
DROP TABLE tags;
ALTER TABLE tags_by_partition RENAME TO tags;
CREATE INDEX tags_by_value ON tags (pid, key, value);
