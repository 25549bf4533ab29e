-- Lookups that keep large partitions fast: a per-partition interface count kept by triggers
-- (the quota check no longer counts the table), and an index to find interfaces by address.

CREATE TABLE network_interface_counts (
    pid INTEGER PRIMARY KEY REFERENCES partitions(id),
    n   INTEGER NOT NULL
);
INSERT INTO network_interface_counts (pid, n) SELECT pid, COUNT(*) FROM network_interfaces GROUP BY pid;

CREATE TRIGGER network_interfaces_counted AFTER INSERT ON network_interfaces BEGIN
    INSERT INTO network_interface_counts (pid, n) VALUES (NEW.pid, 1)
        ON CONFLICT (pid) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER network_interfaces_uncounted AFTER DELETE ON network_interfaces BEGIN
    UPDATE network_interface_counts SET n = n - 1 WHERE pid = OLD.pid;
END;

CREATE INDEX private_ips_address ON private_ips (address);
