-- Finding resources by tag (`tag:<key>` filters) through an index instead of reading every tag
-- of the partition. It also serves every lookup by partition, so it replaces tags_pid.

CREATE INDEX tags_by_value ON tags (pid, key, value);
DROP INDEX tags_pid;
