-- EBS volumes: each instance's root volume (../0014_volumes.sql).
CREATE TABLE volumes (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    pid                    BIGINT NOT NULL REFERENCES partitions(id),
    size_gib               BIGINT NOT NULL CHECK (size_gib > 0),
    volume_type            TEXT COLLATE "C" NOT NULL,
    iops                   BIGINT,
    throughput             BIGINT,
    snapshot_id            TEXT COLLATE "C",
    availability_zone      TEXT COLLATE "C" NOT NULL,
    create_time            TEXT COLLATE "C" NOT NULL,
    instance_id            TEXT COLLATE "C" REFERENCES instances(id),
    device                 TEXT COLLATE "C",
    attach_time            TEXT COLLATE "C",
    delete_on_termination  BOOLEAN,
    CHECK ((instance_id IS NULL) = (device IS NULL)),
    CHECK ((instance_id IS NULL) = (attach_time IS NULL)),
    CHECK ((instance_id IS NULL) = (delete_on_termination IS NULL))
);
CREATE INDEX volumes_pid ON volumes (pid);
CREATE UNIQUE INDEX volumes_device ON volumes (instance_id, device) WHERE instance_id IS NOT NULL;
