-- Network interfaces, their private addresses and security groups, instances and their
-- attachments, key pairs. The constraints are the last word on the invariants they name.

CREATE TABLE instances (
    id                      TEXT PRIMARY KEY,
    pid                     INTEGER NOT NULL REFERENCES partitions(id),
    reservation_id          TEXT NOT NULL,
    image_id                TEXT NOT NULL,
    instance_type           TEXT NOT NULL,
    key_name                TEXT,
    state                   TEXT NOT NULL,
    -- When a transitional state (pending, stopping, shutting-down) settles; NULL otherwise.
    settles_at              TEXT,
    state_transition_reason TEXT NOT NULL,
    launch_time             TEXT NOT NULL,
    availability_zone       TEXT NOT NULL,
    client_token            TEXT,
    ami_launch_index        INTEGER NOT NULL,
    http_tokens             TEXT NOT NULL,
    http_endpoint           TEXT NOT NULL,
    http_put_hop_limit      INTEGER NOT NULL,
    http_protocol_ipv6      TEXT NOT NULL,
    instance_metadata_tags  TEXT NOT NULL,
    user_data               TEXT,
    shutdown_behavior       TEXT NOT NULL,
    disable_api_termination INTEGER NOT NULL,
    monitoring              INTEGER NOT NULL,
    -- The auto-assigned public IPv4 of device 0, unique across every partition (one internet).
    public_ip               TEXT UNIQUE,
    -- Whether the instance was launched with a public IPv4 (it gets a new one on start).
    auto_public_ip          INTEGER NOT NULL,
    -- Terminated instances stay visible for an hour, then go.
    terminated_at           TEXT
);
CREATE INDEX instances_pid ON instances (pid);
CREATE INDEX instances_settling ON instances (settles_at) WHERE settles_at IS NOT NULL;

CREATE TABLE network_interfaces (
    id                   TEXT PRIMARY KEY,
    pid                  INTEGER NOT NULL REFERENCES partitions(id),
    subnet_id            TEXT NOT NULL REFERENCES subnets(id),
    vpc_id               TEXT NOT NULL REFERENCES vpcs(id),
    availability_zone    TEXT NOT NULL,
    availability_zone_id TEXT NOT NULL,
    description          TEXT NOT NULL,
    -- Unique for life: it follows the interface from instance to instance.
    mac_address          TEXT NOT NULL UNIQUE,
    interface_type       TEXT NOT NULL,
    source_dest_check    INTEGER NOT NULL,
    requester_managed    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX network_interfaces_pid ON network_interfaces (pid);
CREATE INDEX network_interfaces_subnet ON network_interfaces (subnet_id);

-- One address is held by at most one interface in its subnet (hence in its VPC).
CREATE TABLE private_ips (
    subnet_id  TEXT NOT NULL REFERENCES subnets(id),
    address    TEXT NOT NULL,
    eni_id     TEXT NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    is_primary INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (subnet_id, address)
);
CREATE INDEX private_ips_eni ON private_ips (eni_id);
CREATE UNIQUE INDEX one_primary_ip_per_eni ON private_ips (eni_id) WHERE is_primary;

CREATE TABLE eni_security_groups (
    eni_id   TEXT NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES security_groups(id),
    position INTEGER NOT NULL,
    PRIMARY KEY (eni_id, group_id)
);
CREATE INDEX eni_security_groups_group ON eni_security_groups (group_id);

-- An interface is attached at most once (eni_id UNIQUE); a slot holds at most one interface.
CREATE TABLE attachments (
    id                    TEXT PRIMARY KEY,
    eni_id                TEXT NOT NULL UNIQUE REFERENCES network_interfaces(id),
    instance_id           TEXT NOT NULL REFERENCES instances(id),
    device_index          INTEGER NOT NULL,
    network_card_index    INTEGER NOT NULL,
    delete_on_termination INTEGER NOT NULL,
    attach_time           TEXT NOT NULL,
    UNIQUE (instance_id, network_card_index, device_index)
);

CREATE TABLE key_pairs (
    key_pair_id TEXT PRIMARY KEY,
    pid         INTEGER NOT NULL REFERENCES partitions(id),
    name        TEXT NOT NULL,
    key_type    TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    create_time TEXT NOT NULL,
    UNIQUE (pid, name)
);
