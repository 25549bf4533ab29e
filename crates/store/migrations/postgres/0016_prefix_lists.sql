-- Customer-managed prefix lists and their kept versions' entries (../0016_prefix_lists.sql).
CREATE TABLE prefix_lists (
    id             TEXT COLLATE "C" PRIMARY KEY,
    pid            BIGINT NOT NULL REFERENCES partitions(id),
    name           TEXT COLLATE "C" NOT NULL,
    family         TEXT COLLATE "C" NOT NULL CHECK (family IN ('IPv4', 'IPv6')),
    max_entries    BIGINT NOT NULL CHECK (max_entries BETWEEN 1 AND 1000),
    version        BIGINT NOT NULL,
    oldest_version BIGINT NOT NULL,
    state          TEXT COLLATE "C" NOT NULL
);
CREATE INDEX prefix_lists_pid ON prefix_lists (pid);

CREATE TABLE prefix_list_entries (
    prefix_list_id TEXT COLLATE "C" NOT NULL REFERENCES prefix_lists(id) ON DELETE CASCADE,
    version        BIGINT NOT NULL,
    cidr           TEXT COLLATE "C" NOT NULL,
    description    TEXT COLLATE "C",
    PRIMARY KEY (prefix_list_id, version, cidr)
);
