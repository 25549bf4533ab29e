-- Launch templates and their versions (issue 14). A version's data is the template data as
-- JSON with RunInstances' member names; `last_number` keeps numbers from being reused.
CREATE TABLE launch_templates (
    id              TEXT PRIMARY KEY,
    pid             INTEGER NOT NULL REFERENCES partitions(id),
    name            TEXT NOT NULL,
    default_version INTEGER NOT NULL,
    latest_version  INTEGER NOT NULL,
    last_number     INTEGER NOT NULL,
    create_time     TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    UNIQUE (pid, name)
);

CREATE TABLE launch_template_versions (
    template_id TEXT NOT NULL REFERENCES launch_templates(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    description TEXT,
    create_time TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (template_id, number)
);
