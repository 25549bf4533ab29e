-- A per-partition interface count kept by triggers, and interfaces by address
-- (../0004_interface_lookups.sql).

CREATE TABLE network_interface_counts (
    pid BIGINT PRIMARY KEY REFERENCES partitions(id),
    n   BIGINT NOT NULL
);
INSERT INTO network_interface_counts (pid, n) SELECT pid, COUNT(*) FROM network_interfaces GROUP BY pid;

CREATE FUNCTION network_interfaces_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO network_interface_counts (pid, n) VALUES (NEW.pid, 1)
        ON CONFLICT (pid) DO UPDATE SET n = network_interface_counts.n + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER network_interfaces_counted AFTER INSERT ON network_interfaces
    FOR EACH ROW EXECUTE FUNCTION network_interfaces_counted();

CREATE FUNCTION network_interfaces_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE network_interface_counts SET n = n - 1 WHERE pid = OLD.pid;
    RETURN NULL;
END $$;
CREATE TRIGGER network_interfaces_uncounted AFTER DELETE ON network_interfaces
    FOR EACH ROW EXECUTE FUNCTION network_interfaces_uncounted();

CREATE INDEX private_ips_address ON private_ips (address);
