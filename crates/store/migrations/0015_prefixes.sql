-- Delegated prefixes of interfaces: IPv4 /28s and IPv6 /80s, each stored as its network
-- address (the length is fixed by the family). Unique per subnet; an IPv4 prefix's 16
-- addresses count as used in address_blocks (allocation skips them, availableIpAddressCount
-- drops by 16), and the triggers below keep private addresses and prefixes from overlapping.
-- `rtrim(a, digits)` is an address up to its last dot; the /28 of `a` is that text followed by
-- the last octet rounded down to a multiple of 16.

CREATE TABLE ipv4_prefixes (
    subnet_id TEXT NOT NULL REFERENCES subnets(id),
    address   TEXT NOT NULL,
    eni_id    TEXT NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    PRIMARY KEY (subnet_id, address)
) WITHOUT ROWID;
CREATE INDEX ipv4_prefixes_eni ON ipv4_prefixes (eni_id);

CREATE TABLE ipv6_prefixes (
    subnet_id TEXT NOT NULL REFERENCES subnets(id),
    address   TEXT NOT NULL,
    eni_id    TEXT NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    PRIMARY KEY (subnet_id, address)
) WITHOUT ROWID;
CREATE INDEX ipv6_prefixes_eni ON ipv6_prefixes (eni_id);

CREATE TRIGGER ipv4_prefixes_counted AFTER INSERT ON ipv4_prefixes BEGIN
    INSERT INTO address_blocks (subnet_id, block, used)
        VALUES (NEW.subnet_id, rtrim(NEW.address, '0123456789'), 16)
        ON CONFLICT (subnet_id, block) DO UPDATE SET used = used + 16;
END;

CREATE TRIGGER ipv4_prefixes_uncounted AFTER DELETE ON ipv4_prefixes BEGIN
    UPDATE address_blocks SET used = used - 16
        WHERE subnet_id = OLD.subnet_id AND block = rtrim(OLD.address, '0123456789');
END;

CREATE TRIGGER private_ips_outside_prefixes BEFORE INSERT ON private_ips
WHEN EXISTS (
    SELECT 1 FROM ipv4_prefixes WHERE subnet_id = NEW.subnet_id
        AND address = rtrim(NEW.address, '0123456789')
            || (CAST(substr(NEW.address, length(rtrim(NEW.address, '0123456789')) + 1) AS INTEGER) / 16 * 16)
) BEGIN
    SELECT RAISE(ABORT, 'private address inside a delegated prefix');
END;

CREATE TRIGGER ipv4_prefixes_clear BEFORE INSERT ON ipv4_prefixes
WHEN EXISTS (
    SELECT 1 FROM private_ips WHERE subnet_id = NEW.subnet_id
        AND address >= rtrim(NEW.address, '0123456789')
        AND address < substr(rtrim(NEW.address, '0123456789'), 1, length(rtrim(NEW.address, '0123456789')) - 1) || '/'
        AND rtrim(address, '0123456789')
            || (CAST(substr(address, length(rtrim(address, '0123456789')) + 1) AS INTEGER) / 16 * 16) = NEW.address
) BEGIN
    SELECT RAISE(ABORT, 'delegated prefix over a private address');
END;
