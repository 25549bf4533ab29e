-- Settling is checked at the start of every call: find a partition's instances due to settle,
-- and its terminated instances due to be forgotten, through indexes instead of reading every
-- instance of the partition (terminated ones stay an hour, so a busy partition holds many).

CREATE INDEX instances_settling_in_partition ON instances (pid, settles_at) WHERE settles_at IS NOT NULL;
DROP INDEX instances_settling;
CREATE INDEX instances_terminated ON instances (pid, terminated_at) WHERE state = 'terminated';
