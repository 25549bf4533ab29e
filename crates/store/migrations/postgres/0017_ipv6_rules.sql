-- Egress-only internet gateways; ACL rule 32768, the IPv6 `*` rule (../0017_ipv6_rules.sql,
-- which rebuilds the table: PostgreSQL replaces the CHECK in place).
CREATE TABLE egress_only_internet_gateways (
    id     TEXT COLLATE "C" PRIMARY KEY,
    pid    BIGINT NOT NULL REFERENCES partitions(id),
    vpc_id TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES vpcs(id)
);
CREATE INDEX egress_only_internet_gateways_pid ON egress_only_internet_gateways (pid);

ALTER TABLE network_acl_entries
    DROP CONSTRAINT network_acl_entries_rule_number_check,
    ADD CONSTRAINT network_acl_entries_rule_number_check CHECK (rule_number BETWEEN 1 AND 32768);
