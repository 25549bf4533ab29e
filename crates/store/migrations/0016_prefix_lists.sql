-- Customer-managed prefix lists (issue 14). AWS-managed lists are not stored: they are the
-- same fixed table in every partition of a region (model::prefix_list::aws_managed).
CREATE TABLE prefix_lists (
    id             TEXT PRIMARY KEY,
    pid            INTEGER NOT NULL REFERENCES partitions(id),
    name           TEXT NOT NULL,
    family         TEXT NOT NULL CHECK (family IN ('IPv4', 'IPv6')),
    max_entries    INTEGER NOT NULL CHECK (max_entries BETWEEN 1 AND 1000),
    version        INTEGER NOT NULL,
    -- The oldest version still kept (AWS keeps 1,000).
    oldest_version INTEGER NOT NULL,
    state          TEXT NOT NULL
);
CREATE INDEX prefix_lists_pid ON prefix_lists (pid);

-- Every kept version's entries (a version with no entries has no rows).
CREATE TABLE prefix_list_entries (
    prefix_list_id TEXT NOT NULL REFERENCES prefix_lists(id) ON DELETE CASCADE,
    version        INTEGER NOT NULL,
    cidr           TEXT NOT NULL,
    description    TEXT,
    PRIMARY KEY (prefix_list_id, version, cidr)
);
