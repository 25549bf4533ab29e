-- Instances due to settle or be forgotten, by partition (../0007_instance_settling.sql).

CREATE INDEX instances_settling_in_partition ON instances (pid, settles_at) WHERE settles_at IS NOT NULL;
DROP INDEX instances_settling;
CREATE INDEX instances_terminated ON instances (pid, terminated_at) WHERE state = 'terminated';
