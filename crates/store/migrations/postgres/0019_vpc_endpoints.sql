-- VPC endpoints: gateway routes, interface endpoints' interfaces and groups
-- (../0019_vpc_endpoints.sql).
CREATE TABLE vpc_endpoints (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    pid                 BIGINT NOT NULL REFERENCES partitions(id),
    vpc_id              TEXT COLLATE "C" NOT NULL,
    owner_id            TEXT COLLATE "C" NOT NULL,
    service_name        TEXT COLLATE "C" NOT NULL,
    endpoint_type       TEXT COLLATE "C" NOT NULL CHECK (endpoint_type IN ('Gateway', 'Interface')),
    state               TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'available', 'deleting', 'deleted')),
    settles_at          TEXT COLLATE "C",
    policy_document     TEXT COLLATE "C" NOT NULL,
    private_dns_enabled BOOLEAN NOT NULL,
    dns_label           TEXT COLLATE "C" NOT NULL,
    creation_timestamp  TEXT COLLATE "C" NOT NULL,
    delete_time         TEXT COLLATE "C",
    CHECK ((state IN ('pending', 'deleting')) = (settles_at IS NOT NULL))
);
CREATE INDEX vpc_endpoints_pid ON vpc_endpoints (pid);

CREATE TABLE vpc_endpoint_routes (
    endpoint_id    TEXT COLLATE "C" NOT NULL REFERENCES vpc_endpoints(id) ON DELETE CASCADE,
    route_table_id TEXT COLLATE "C" NOT NULL REFERENCES route_tables(id) ON DELETE CASCADE,
    prefix_list_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (endpoint_id, route_table_id),
    UNIQUE (route_table_id, prefix_list_id)
);

CREATE TABLE vpc_endpoint_interfaces (
    endpoint_id       TEXT COLLATE "C" NOT NULL REFERENCES vpc_endpoints(id) ON DELETE CASCADE,
    subnet_id         TEXT COLLATE "C" NOT NULL,
    availability_zone TEXT COLLATE "C" NOT NULL,
    eni_id            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (endpoint_id, subnet_id),
    UNIQUE (endpoint_id, availability_zone)
);

CREATE TABLE vpc_endpoint_groups (
    endpoint_id TEXT COLLATE "C" NOT NULL REFERENCES vpc_endpoints(id) ON DELETE CASCADE,
    group_id    TEXT COLLATE "C" NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    PRIMARY KEY (endpoint_id, group_id)
);
