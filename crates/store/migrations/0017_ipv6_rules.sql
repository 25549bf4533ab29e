-- Egress-only internet gateways (issue 13): created in their VPC, attached until deleted, one
-- per VPC at a time (the UNIQUE).
CREATE TABLE egress_only_internet_gateways (
    id     TEXT PRIMARY KEY,
    pid    INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id TEXT NOT NULL UNIQUE REFERENCES vpcs(id)
);
CREATE INDEX egress_only_internet_gateways_pid ON egress_only_internet_gateways (pid);

-- An ACL of a VPC with IPv6 ends with two `*` rules: 32767 for IPv4 and 32768 for IPv6, which
-- 0001's CHECK refused. SQLite cannot alter a CHECK, so the table is rebuilt (nothing refers to
-- it).
CREATE TABLE network_acl_entries_new (
    network_acl_id TEXT NOT NULL REFERENCES network_acls(id) ON DELETE CASCADE,
    egress         INTEGER NOT NULL,
    rule_number    INTEGER NOT NULL CHECK (rule_number BETWEEN 1 AND 32768),
    protocol       TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
    -- An IPv4 or IPv6 range.
    cidr           TEXT NOT NULL,
    icmp_type      INTEGER,
    icmp_code      INTEGER,
    port_from      INTEGER,
    port_to        INTEGER,
    PRIMARY KEY (network_acl_id, egress, rule_number)
);
INSERT INTO network_acl_entries_new SELECT network_acl_id, egress, rule_number, protocol, action,
    cidr, icmp_type, icmp_code, port_from, port_to FROM network_acl_entries ORDER BY rowid;
DROP TABLE network_acl_entries;
ALTER TABLE network_acl_entries_new RENAME TO network_acl_entries;
