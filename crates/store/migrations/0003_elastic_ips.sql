-- Elastic IP addresses and their associations with private addresses of interfaces.

CREATE TABLE elastic_ips (
    allocation_id        TEXT PRIMARY KEY,
    pid                  INTEGER NOT NULL REFERENCES partitions(id),
    -- One internet: a public address belongs to one allocation, in every partition.
    public_ip            TEXT NOT NULL UNIQUE,
    network_border_group TEXT NOT NULL,
    association_id       TEXT UNIQUE,
    eni_id               TEXT REFERENCES network_interfaces(id),
    subnet_id            TEXT,
    private_ip           TEXT,
    -- One Elastic IP per private address.
    UNIQUE (subnet_id, private_ip),
    -- Associated means all three of association, interface and address are set.
    CHECK ((association_id IS NULL) = (eni_id IS NULL) AND (eni_id IS NULL) = (private_ip IS NULL))
);
CREATE INDEX elastic_ips_pid ON elastic_ips (pid);
CREATE INDEX elastic_ips_eni ON elastic_ips (eni_id);

-- Associations that ended: disassociating one again is not an error (EC2 is idempotent here).
CREATE TABLE ended_eip_associations (
    association_id TEXT PRIMARY KEY,
    pid            INTEGER NOT NULL REFERENCES partitions(id)
);
