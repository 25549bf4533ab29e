-- NAT gateways (issue 15) and the interfaces services manage for the user.

-- A service's interface (NAT gateway, VPC endpoint): who requested it and its `ela-attach-…`
-- attachment, which is no row of `attachments` (no instance holds it).
ALTER TABLE network_interfaces ADD COLUMN requester_id TEXT;
ALTER TABLE network_interfaces ADD COLUMN service_attachment_id TEXT;
ALTER TABLE network_interfaces ADD COLUMN service_attach_time TEXT;

-- Deleted and failed gateways stay listed for an hour, even after their subnet and VPC are
-- gone: hence no foreign keys to them, nor to the interface a live gateway holds.
CREATE TABLE nat_gateways (
    id                   TEXT PRIMARY KEY,
    pid                  INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id               TEXT NOT NULL,
    subnet_id            TEXT NOT NULL,
    availability_zone    TEXT NOT NULL,
    connectivity_type    TEXT NOT NULL CHECK (connectivity_type IN ('public', 'private')),
    state                TEXT NOT NULL CHECK (state IN ('pending', 'available', 'failed', 'deleting', 'deleted')),
    -- When `pending` or `deleting` settles; NULL otherwise.
    settles_at           TEXT,
    -- A request accepted but not carried out: `pending` settles to `failed` with these.
    failure_code         TEXT,
    failure_message      TEXT,
    create_time          TEXT NOT NULL,
    delete_time          TEXT,
    -- The interface it holds while pending or available (none if it failed).
    eni_id               TEXT,
    CHECK ((state IN ('pending', 'deleting')) = (settles_at IS NOT NULL))
);
CREATE INDEX nat_gateways_pid ON nat_gateways (pid);
CREATE INDEX nat_gateways_settling ON nat_gateways (pid, settles_at) WHERE settles_at IS NOT NULL;

-- Its addresses in order (the primary first), each with the Elastic IP it was given.
CREATE TABLE nat_gateway_addresses (
    nat_gateway_id TEXT NOT NULL REFERENCES nat_gateways(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    private_ip     TEXT,
    allocation_id  TEXT,
    public_ip      TEXT,
    association_id TEXT,
    PRIMARY KEY (nat_gateway_id, position)
);
