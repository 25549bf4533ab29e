-- Elastic IP addresses and their associations (../0003_elastic_ips.sql).

CREATE TABLE elastic_ips (
    allocation_id        TEXT COLLATE "C" PRIMARY KEY,
    pid                  BIGINT NOT NULL REFERENCES partitions(id),
    public_ip            TEXT COLLATE "C" NOT NULL UNIQUE,
    network_border_group TEXT COLLATE "C" NOT NULL,
    association_id       TEXT COLLATE "C" UNIQUE,
    eni_id               TEXT COLLATE "C" REFERENCES network_interfaces(id),
    subnet_id            TEXT COLLATE "C",
    private_ip           TEXT COLLATE "C",
    UNIQUE (subnet_id, private_ip),
    CHECK ((association_id IS NULL) = (eni_id IS NULL) AND (eni_id IS NULL) = (private_ip IS NULL))
);
CREATE INDEX elastic_ips_pid ON elastic_ips (pid);
CREATE INDEX elastic_ips_eni ON elastic_ips (eni_id);

CREATE TABLE ended_eip_associations (
    association_id TEXT COLLATE "C" PRIMARY KEY,
    pid            BIGINT NOT NULL REFERENCES partitions(id)
);
