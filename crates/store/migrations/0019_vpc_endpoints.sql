-- VPC endpoints (issue 15). Deleted endpoints stay listed a while after their VPC is gone:
-- hence no foreign key to the VPC.
CREATE TABLE vpc_endpoints (
    id                  TEXT PRIMARY KEY,
    pid                 INTEGER NOT NULL REFERENCES partitions(id),
    vpc_id              TEXT NOT NULL,
    owner_id            TEXT NOT NULL,
    service_name        TEXT NOT NULL,
    endpoint_type       TEXT NOT NULL CHECK (endpoint_type IN ('Gateway', 'Interface')),
    state               TEXT NOT NULL CHECK (state IN ('pending', 'available', 'deleting', 'deleted')),
    -- When `pending` or `deleting` settles; NULL otherwise.
    settles_at          TEXT,
    policy_document     TEXT NOT NULL,
    private_dns_enabled INTEGER NOT NULL,
    dns_label           TEXT NOT NULL,
    creation_timestamp  TEXT NOT NULL,
    delete_time         TEXT,
    CHECK ((state IN ('pending', 'deleting')) = (settles_at IS NOT NULL))
);
CREATE INDEX vpc_endpoints_pid ON vpc_endpoints (pid);

-- A gateway endpoint's route in a table: its destination is the service's prefix list, and a
-- table has one route per destination.
CREATE TABLE vpc_endpoint_routes (
    endpoint_id    TEXT NOT NULL REFERENCES vpc_endpoints(id) ON DELETE CASCADE,
    route_table_id TEXT NOT NULL REFERENCES route_tables(id) ON DELETE CASCADE,
    prefix_list_id TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, route_table_id),
    UNIQUE (route_table_id, prefix_list_id)
);

-- An interface endpoint's interface in each of its subnets, one subnet per zone.
CREATE TABLE vpc_endpoint_interfaces (
    endpoint_id       TEXT NOT NULL REFERENCES vpc_endpoints(id) ON DELETE CASCADE,
    subnet_id         TEXT NOT NULL,
    availability_zone TEXT NOT NULL,
    eni_id            TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, subnet_id),
    UNIQUE (endpoint_id, availability_zone)
);

-- The security groups of an interface endpoint (its interfaces carry them); a deleted group
-- leaves the endpoint.
CREATE TABLE vpc_endpoint_groups (
    endpoint_id TEXT NOT NULL REFERENCES vpc_endpoints(id) ON DELETE CASCADE,
    group_id    TEXT NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, group_id)
);
