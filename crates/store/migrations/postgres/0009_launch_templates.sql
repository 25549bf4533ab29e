-- Launch templates and their versions (../0009_launch_templates.sql).
CREATE TABLE launch_templates (
    id              TEXT COLLATE "C" PRIMARY KEY,
    pid             BIGINT NOT NULL REFERENCES partitions(id),
    name            TEXT COLLATE "C" NOT NULL,
    default_version BIGINT NOT NULL,
    latest_version  BIGINT NOT NULL,
    last_number     BIGINT NOT NULL,
    create_time     TEXT COLLATE "C" NOT NULL,
    created_by      TEXT COLLATE "C" NOT NULL,
    UNIQUE (pid, name)
);

CREATE TABLE launch_template_versions (
    template_id TEXT COLLATE "C" NOT NULL REFERENCES launch_templates(id) ON DELETE CASCADE,
    number      BIGINT NOT NULL,
    description TEXT COLLATE "C",
    create_time TEXT COLLATE "C" NOT NULL,
    created_by  TEXT COLLATE "C" NOT NULL,
    data        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (template_id, number)
);
