-- NAT gateways and requester-managed interfaces (../0013_nat_gateways.sql).

ALTER TABLE network_interfaces ADD COLUMN requester_id TEXT COLLATE "C";
ALTER TABLE network_interfaces ADD COLUMN service_attachment_id TEXT COLLATE "C";
ALTER TABLE network_interfaces ADD COLUMN service_attach_time TEXT COLLATE "C";

CREATE TABLE nat_gateways (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    pid                  BIGINT NOT NULL REFERENCES partitions(id),
    vpc_id               TEXT COLLATE "C" NOT NULL,
    subnet_id            TEXT COLLATE "C" NOT NULL,
    availability_zone    TEXT COLLATE "C" NOT NULL,
    connectivity_type    TEXT COLLATE "C" NOT NULL CHECK (connectivity_type IN ('public', 'private')),
    state                TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'available', 'failed', 'deleting', 'deleted')),
    settles_at           TEXT COLLATE "C",
    failure_code         TEXT COLLATE "C",
    failure_message      TEXT COLLATE "C",
    create_time          TEXT COLLATE "C" NOT NULL,
    delete_time          TEXT COLLATE "C",
    eni_id               TEXT COLLATE "C",
    CHECK ((state IN ('pending', 'deleting')) = (settles_at IS NOT NULL))
);
CREATE INDEX nat_gateways_pid ON nat_gateways (pid);
CREATE INDEX nat_gateways_settling ON nat_gateways (pid, settles_at) WHERE settles_at IS NOT NULL;

CREATE TABLE nat_gateway_addresses (
    nat_gateway_id TEXT COLLATE "C" NOT NULL REFERENCES nat_gateways(id) ON DELETE CASCADE,
    position       BIGINT NOT NULL,
    private_ip     TEXT COLLATE "C",
    allocation_id  TEXT COLLATE "C",
    public_ip      TEXT COLLATE "C",
    association_id TEXT COLLATE "C",
    PRIMARY KEY (nat_gateway_id, position)
);
