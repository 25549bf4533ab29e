-- Delegated IPv4 /28 and IPv6 /80 prefixes of interfaces (../0015_prefixes.sql explains the
-- text arithmetic). PostgreSQL's trigger conditions cannot hold a subquery, so the checks are
-- in the functions; comparisons are byte-wise (COLLATE "C"), as SQLite's.

CREATE TABLE ipv4_prefixes (
    subnet_id TEXT COLLATE "C" NOT NULL REFERENCES subnets(id),
    address   TEXT COLLATE "C" NOT NULL,
    eni_id    TEXT COLLATE "C" NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    PRIMARY KEY (subnet_id, address)
);
CREATE INDEX ipv4_prefixes_eni ON ipv4_prefixes (eni_id);

CREATE TABLE ipv6_prefixes (
    subnet_id TEXT COLLATE "C" NOT NULL REFERENCES subnets(id),
    address   TEXT COLLATE "C" NOT NULL,
    eni_id    TEXT COLLATE "C" NOT NULL REFERENCES network_interfaces(id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    PRIMARY KEY (subnet_id, address)
);
CREATE INDEX ipv6_prefixes_eni ON ipv6_prefixes (eni_id);

CREATE FUNCTION ipv4_prefixes_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO address_blocks (subnet_id, block, used)
        VALUES (NEW.subnet_id, rtrim(NEW.address, '0123456789'), 16)
        ON CONFLICT (subnet_id, block) DO UPDATE SET used = address_blocks.used + 16;
    RETURN NULL;
END $$;
CREATE TRIGGER ipv4_prefixes_counted AFTER INSERT ON ipv4_prefixes
    FOR EACH ROW EXECUTE FUNCTION ipv4_prefixes_counted();

CREATE FUNCTION ipv4_prefixes_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE address_blocks SET used = used - 16
        WHERE subnet_id = OLD.subnet_id AND block = rtrim(OLD.address, '0123456789');
    RETURN NULL;
END $$;
CREATE TRIGGER ipv4_prefixes_uncounted AFTER DELETE ON ipv4_prefixes
    FOR EACH ROW EXECUTE FUNCTION ipv4_prefixes_uncounted();

CREATE FUNCTION private_ips_outside_prefixes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM ipv4_prefixes WHERE subnet_id = NEW.subnet_id
            AND address = rtrim(NEW.address, '0123456789')
                || (CAST(substr(NEW.address, length(rtrim(NEW.address, '0123456789')) + 1) AS BIGINT) / 16 * 16)
    ) THEN
        RAISE EXCEPTION 'private address inside a delegated prefix';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER private_ips_outside_prefixes BEFORE INSERT ON private_ips
    FOR EACH ROW EXECUTE FUNCTION private_ips_outside_prefixes();

CREATE FUNCTION ipv4_prefixes_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM private_ips WHERE subnet_id = NEW.subnet_id
            AND address >= rtrim(NEW.address, '0123456789') COLLATE "C"
            AND address < (substr(rtrim(NEW.address, '0123456789'), 1, length(rtrim(NEW.address, '0123456789')) - 1) || '/') COLLATE "C"
            AND rtrim(address, '0123456789')
                || (CAST(substr(address, length(rtrim(address, '0123456789')) + 1) AS BIGINT) / 16 * 16) = NEW.address
    ) THEN
        RAISE EXCEPTION 'delegated prefix over a private address';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ipv4_prefixes_clear BEFORE INSERT ON ipv4_prefixes
    FOR EACH ROW EXECUTE FUNCTION ipv4_prefixes_clear();
