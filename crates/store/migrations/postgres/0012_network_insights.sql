-- Reachability Analyzer paths and analyses (../0012_network_insights.sql).

CREATE TABLE network_insights_paths (
    id      TEXT COLLATE "C" PRIMARY KEY,
    pid     BIGINT NOT NULL REFERENCES partitions(id),
    created TEXT COLLATE "C" NOT NULL,
    body    TEXT COLLATE "C" NOT NULL
);
CREATE INDEX network_insights_paths_pid ON network_insights_paths (pid);

CREATE TABLE network_insights_analyses (
    id         TEXT COLLATE "C" PRIMARY KEY,
    pid        BIGINT NOT NULL REFERENCES partitions(id),
    path_id    TEXT COLLATE "C" NOT NULL REFERENCES network_insights_paths(id),
    start_date TEXT COLLATE "C" NOT NULL,
    ready_at   BIGINT NOT NULL,
    body       TEXT COLLATE "C" NOT NULL,
    trace      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX network_insights_analyses_pid ON network_insights_analyses (pid);
CREATE INDEX network_insights_analyses_path ON network_insights_analyses (path_id);
