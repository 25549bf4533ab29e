-- EBS volumes (issue 19): each instance's root volume, made at launch. An attached volume
-- follows its instance: deleted with it (DeleteOnTermination) or detached to `available`
-- when it terminates, so a volume never names a forgotten instance.
CREATE TABLE volumes (
    id                     TEXT PRIMARY KEY,
    pid                    INTEGER NOT NULL REFERENCES partitions(id),
    size_gib               INTEGER NOT NULL CHECK (size_gib > 0),
    volume_type            TEXT NOT NULL,
    iops                   INTEGER,
    throughput             INTEGER,
    snapshot_id            TEXT,
    availability_zone      TEXT NOT NULL,
    create_time            TEXT NOT NULL,
    instance_id            TEXT REFERENCES instances(id),
    device                 TEXT,
    attach_time            TEXT,
    delete_on_termination  INTEGER,
    CHECK ((instance_id IS NULL) = (device IS NULL)),
    CHECK ((instance_id IS NULL) = (attach_time IS NULL)),
    CHECK ((instance_id IS NULL) = (delete_on_termination IS NULL))
);
CREATE INDEX volumes_pid ON volumes (pid);
CREATE UNIQUE INDEX volumes_device ON volumes (instance_id, device) WHERE instance_id IS NOT NULL;
