-- Tags by key and value (../0005_tag_lookups.sql).

CREATE INDEX tags_by_value ON tags (pid, key, value);
DROP INDEX tags_pid;
