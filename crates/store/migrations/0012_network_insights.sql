-- Reachability Analyzer: paths (what to analyze) and analyses (a stored snapshot of the result).
-- Both keep their wire form as JSON: an analysis never changes once computed, and a path only
-- by its tags (in `tags`).

CREATE TABLE network_insights_paths (
    id      TEXT PRIMARY KEY,
    pid     INTEGER NOT NULL REFERENCES partitions(id),
    created TEXT NOT NULL,
    body    TEXT NOT NULL
);
CREATE INDEX network_insights_paths_pid ON network_insights_paths (pid);

CREATE TABLE network_insights_analyses (
    id         TEXT PRIMARY KEY,
    pid        INTEGER NOT NULL REFERENCES partitions(id),
    path_id    TEXT NOT NULL REFERENCES network_insights_paths(id),
    start_date TEXT NOT NULL,
    -- Unix milliseconds from which Describe shows the outcome instead of `running`.
    ready_at   INTEGER NOT NULL,
    -- The outcome's members (NetworkPathFound, components, explanations, ...).
    body       TEXT NOT NULL,
    -- `localvpc why`'s trace of it.
    trace      TEXT NOT NULL
);
CREATE INDEX network_insights_analyses_pid ON network_insights_analyses (pid);
CREATE INDEX network_insights_analyses_path ON network_insights_analyses (path_id);
