-- Foundation schema: VPCs, subnets, internet gateways, route tables, security groups,
-- network ACLs, tags and client tokens. Every resource row belongs to one partition
-- (account + region); the constraints below are the last word on the invariants they name.

CREATE TABLE partitions (
    id      INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    -- The DHCP option set every VPC of the partition uses (AWS's "default" set).
    dhcp_options_id TEXT NOT NULL,
    UNIQUE (account, region)
);

CREATE TABLE vpcs (
    id                   TEXT PRIMARY KEY,
    pid                  INTEGER NOT NULL REFERENCES partitions(id),
    is_default           INTEGER NOT NULL,
    instance_tenancy     TEXT NOT NULL,
    dhcp_options_id      TEXT NOT NULL,
    enable_dns_support   INTEGER NOT NULL,
    enable_dns_hostnames INTEGER NOT NULL,
    enable_nau_metrics   INTEGER NOT NULL
);
CREATE INDEX vpcs_pid ON vpcs (pid);
-- At most one default VPC per account and region.
CREATE UNIQUE INDEX one_default_vpc ON vpcs (pid) WHERE is_default;

CREATE TABLE vpc_cidr_blocks (
    association_id TEXT PRIMARY KEY,
    vpc_id         TEXT NOT NULL REFERENCES vpcs(id) ON DELETE CASCADE,
    cidr           TEXT NOT NULL,
    position       INTEGER NOT NULL,
    UNIQUE (vpc_id, cidr)
);

CREATE TABLE subnets (
    id                              TEXT PRIMARY KEY,
    pid                             INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id                          TEXT NOT NULL REFERENCES vpcs(id),
    cidr                            TEXT NOT NULL,
    availability_zone               TEXT NOT NULL,
    availability_zone_id            TEXT NOT NULL,
    default_for_az                  INTEGER NOT NULL,
    map_public_ip_on_launch         INTEGER NOT NULL,
    assign_ipv6_address_on_creation INTEGER NOT NULL,
    enable_dns64                    INTEGER NOT NULL,
    private_dns_hostname_type       TEXT NOT NULL,
    enable_rn_dns_a                 INTEGER NOT NULL,
    enable_rn_dns_aaaa              INTEGER NOT NULL,
    UNIQUE (vpc_id, cidr)
);
CREATE INDEX subnets_pid ON subnets (pid);

-- One VPC per gateway (the column) and one gateway per VPC (the UNIQUE).
CREATE TABLE internet_gateways (
    id     TEXT PRIMARY KEY,
    pid    INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id TEXT UNIQUE REFERENCES vpcs(id)
);
CREATE INDEX internet_gateways_pid ON internet_gateways (pid);

CREATE TABLE route_tables (
    id     TEXT PRIMARY KEY,
    pid    INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id TEXT NOT NULL REFERENCES vpcs(id)
);
CREATE INDEX route_tables_pid ON route_tables (pid);

CREATE TABLE routes (
    route_table_id TEXT NOT NULL REFERENCES route_tables(id) ON DELETE CASCADE,
    destination    TEXT NOT NULL,
    target_kind    TEXT NOT NULL,
    target_id      TEXT,
    origin         TEXT NOT NULL,
    PRIMARY KEY (route_table_id, destination)
);

CREATE TABLE route_table_associations (
    id             TEXT PRIMARY KEY,
    route_table_id TEXT NOT NULL REFERENCES route_tables(id),
    vpc_id         TEXT NOT NULL REFERENCES vpcs(id),
    is_main        INTEGER NOT NULL,
    -- Deleting a subnet ends its explicit association, as in EC2; a deleted gateway leaves no
    -- dangling edge association.
    subnet_id      TEXT UNIQUE REFERENCES subnets(id) ON DELETE CASCADE,
    gateway_id     TEXT UNIQUE REFERENCES internet_gateways(id) ON DELETE CASCADE
);
-- Exactly one main route table per VPC.
CREATE UNIQUE INDEX one_main_route_table ON route_table_associations (vpc_id) WHERE is_main;

CREATE TABLE security_groups (
    id          TEXT PRIMARY KEY,
    pid         INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id      TEXT NOT NULL REFERENCES vpcs(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    UNIQUE (vpc_id, name COLLATE NOCASE)
);
CREATE INDEX security_groups_pid ON security_groups (pid);

CREATE TABLE security_group_rules (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
    is_egress    INTEGER NOT NULL,
    protocol     TEXT NOT NULL,
    from_port    INTEGER,
    to_port      INTEGER,
    peer_kind    TEXT NOT NULL,
    peer         TEXT NOT NULL,
    peer_user_id TEXT NOT NULL DEFAULT '',
    description  TEXT,
    position     INTEGER NOT NULL
);
-- A rule is unique by what it permits, after canonicalisation.
CREATE UNIQUE INDEX security_group_rules_unique ON security_group_rules
    (group_id, is_egress, protocol, IFNULL(from_port, -2), IFNULL(to_port, -2), peer_kind, peer);
CREATE INDEX security_group_rules_peer ON security_group_rules (peer_kind, peer);

CREATE TABLE network_acls (
    id         TEXT PRIMARY KEY,
    pid        INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id     TEXT NOT NULL REFERENCES vpcs(id),
    is_default INTEGER NOT NULL
);
CREATE INDEX network_acls_pid ON network_acls (pid);
CREATE UNIQUE INDEX one_default_network_acl ON network_acls (vpc_id) WHERE is_default;

-- One rule per number and direction; 32767 is EC2's own `*` rule.
CREATE TABLE network_acl_entries (
    network_acl_id TEXT NOT NULL REFERENCES network_acls(id) ON DELETE CASCADE,
    egress         INTEGER NOT NULL,
    rule_number    INTEGER NOT NULL CHECK (rule_number BETWEEN 1 AND 32767),
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

-- Every subnet is associated with exactly one network ACL.
CREATE TABLE network_acl_associations (
    id             TEXT PRIMARY KEY,
    network_acl_id TEXT NOT NULL REFERENCES network_acls(id),
    subnet_id      TEXT NOT NULL UNIQUE REFERENCES subnets(id) ON DELETE CASCADE
);

CREATE TABLE tags (
    resource_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    pid         INTEGER NOT NULL REFERENCES partitions(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (resource_id, key)
);
CREATE INDEX tags_pid ON tags (pid);

-- Idempotency tokens: the same token with the same request gives the first response back.
CREATE TABLE client_tokens (
    pid         INTEGER NOT NULL REFERENCES partitions(id),
    operation   TEXT NOT NULL,
    token       TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    response    TEXT NOT NULL,
    PRIMARY KEY (pid, operation, token)
);
