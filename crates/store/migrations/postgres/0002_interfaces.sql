-- Interfaces, addresses, groups, instances, attachments, key pairs (../0002_interfaces.sql).

CREATE TABLE instances (
    id                      TEXT COLLATE "C" PRIMARY KEY,
    pid                     BIGINT NOT NULL REFERENCES partitions(id),
    reservation_id          TEXT COLLATE "C" NOT NULL,
    image_id                TEXT COLLATE "C" NOT NULL,
    instance_type           TEXT COLLATE "C" NOT NULL,
    key_name                TEXT COLLATE "C",
    state                   TEXT COLLATE "C" NOT NULL,
    settles_at              TEXT COLLATE "C",
    state_transition_reason TEXT COLLATE "C" NOT NULL,
    launch_time             TEXT COLLATE "C" NOT NULL,
    availability_zone       TEXT COLLATE "C" NOT NULL,
    client_token            TEXT COLLATE "C",
    ami_launch_index        BIGINT NOT NULL,
    http_tokens             TEXT COLLATE "C" NOT NULL,
    http_endpoint           TEXT COLLATE "C" NOT NULL,
    http_put_hop_limit      BIGINT NOT NULL,
    http_protocol_ipv6      TEXT COLLATE "C" NOT NULL,
    instance_metadata_tags  TEXT COLLATE "C" NOT NULL,
    user_data               TEXT COLLATE "C",
    shutdown_behavior       TEXT COLLATE "C" NOT NULL,
    disable_api_termination BOOLEAN NOT NULL,
    monitoring              BOOLEAN NOT NULL,
    public_ip               TEXT COLLATE "C" UNIQUE,
    auto_public_ip          BOOLEAN NOT NULL,
    terminated_at           TEXT COLLATE "C"
);
CREATE INDEX instances_pid ON instances (pid);
CREATE INDEX instances_settling ON instances (settles_at) WHERE settles_at IS NOT NULL;

CREATE TABLE network_interfaces (
    id                   TEXT COLLATE "C" PRIMARY KEY,
    pid                  BIGINT NOT NULL REFERENCES partitions(id),
    subnet_id            TEXT COLLATE "C" NOT NULL REFERENCES subnets(id),
    vpc_id               TEXT COLLATE "C" NOT NULL REFERENCES vpcs(id),
    availability_zone    TEXT COLLATE "C" NOT NULL,
    availability_zone_id TEXT COLLATE "C" NOT NULL,
    description          TEXT COLLATE "C" NOT NULL,
    mac_address          TEXT COLLATE "C" NOT NULL UNIQUE,
    interface_type       TEXT COLLATE "C" NOT NULL,
    source_dest_check    BOOLEAN NOT NULL,
    requester_managed    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX network_interfaces_pid ON network_interfaces (pid);
CREATE INDEX network_interfaces_subnet ON network_interfaces (subnet_id);

CREATE TABLE private_ips (
    subnet_id  TEXT COLLATE "C" NOT NULL REFERENCES subnets(id),
    address    TEXT COLLATE "C" NOT NULL,
    eni_id     TEXT COLLATE "C" NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    is_primary BOOLEAN NOT NULL,
    position   BIGINT NOT NULL,
    PRIMARY KEY (subnet_id, address)
);
CREATE INDEX private_ips_eni ON private_ips (eni_id);
CREATE UNIQUE INDEX one_primary_ip_per_eni ON private_ips (eni_id) WHERE is_primary;

CREATE TABLE eni_security_groups (
    eni_id   TEXT COLLATE "C" NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    group_id TEXT COLLATE "C" NOT NULL REFERENCES security_groups(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (eni_id, group_id)
);
CREATE INDEX eni_security_groups_group ON eni_security_groups (group_id);

CREATE TABLE attachments (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    eni_id                TEXT COLLATE "C" NOT NULL UNIQUE REFERENCES network_interfaces(id),
    instance_id           TEXT COLLATE "C" NOT NULL REFERENCES instances(id),
    device_index          BIGINT NOT NULL,
    network_card_index    BIGINT NOT NULL,
    delete_on_termination BOOLEAN NOT NULL,
    attach_time           TEXT COLLATE "C" NOT NULL,
    UNIQUE (instance_id, network_card_index, device_index)
);

CREATE TABLE key_pairs (
    key_pair_id TEXT COLLATE "C" PRIMARY KEY,
    pid         BIGINT NOT NULL REFERENCES partitions(id),
    name        TEXT COLLATE "C" NOT NULL,
    key_type    TEXT COLLATE "C" NOT NULL,
    fingerprint TEXT COLLATE "C" NOT NULL,
    public_key  TEXT COLLATE "C" NOT NULL,
    create_time TEXT COLLATE "C" NOT NULL,
    UNIQUE (pid, name)
);
