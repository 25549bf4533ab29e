-- Used private addresses per subnet and /24, kept by triggers (../0006_address_blocks.sql).

CREATE TABLE address_blocks (
    subnet_id TEXT COLLATE "C" NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
    block     TEXT COLLATE "C" NOT NULL,
    used      BIGINT NOT NULL,
    PRIMARY KEY (subnet_id, block)
);
INSERT INTO address_blocks (subnet_id, block, used)
    SELECT subnet_id, rtrim(address, '0123456789'), COUNT(*) FROM private_ips GROUP BY 1, 2;

CREATE FUNCTION private_ips_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO address_blocks (subnet_id, block, used)
        VALUES (NEW.subnet_id, rtrim(NEW.address, '0123456789'), 1)
        ON CONFLICT (subnet_id, block) DO UPDATE SET used = address_blocks.used + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER private_ips_counted AFTER INSERT ON private_ips
    FOR EACH ROW EXECUTE FUNCTION private_ips_counted();

CREATE FUNCTION private_ips_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE address_blocks SET used = used - 1
        WHERE subnet_id = OLD.subnet_id AND block = rtrim(OLD.address, '0123456789');
    RETURN NULL;
END $$;
CREATE TRIGGER private_ips_uncounted AFTER DELETE ON private_ips
    FOR EACH ROW EXECUTE FUNCTION private_ips_uncounted();
