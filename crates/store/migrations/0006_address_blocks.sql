-- Used private addresses per subnet and /24, kept by triggers, so allocation finds a /24 with
-- room without reading every address of a large subnet. `block` is the address up to and
-- including its last dot (`10.0.1.` for 10.0.1.0/24): `rtrim` drops the last octet.

CREATE TABLE address_blocks (
    subnet_id TEXT NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
    block     TEXT NOT NULL,
    used      INTEGER NOT NULL,
    PRIMARY KEY (subnet_id, block)
) WITHOUT ROWID;
INSERT INTO address_blocks (subnet_id, block, used)
    SELECT subnet_id, rtrim(address, '0123456789'), COUNT(*) FROM private_ips GROUP BY 1, 2;

CREATE TRIGGER private_ips_counted AFTER INSERT ON private_ips BEGIN
    INSERT INTO address_blocks (subnet_id, block, used)
        VALUES (NEW.subnet_id, rtrim(NEW.address, '0123456789'), 1)
        ON CONFLICT (subnet_id, block) DO UPDATE SET used = used + 1;
END;

CREATE TRIGGER private_ips_uncounted AFTER DELETE ON private_ips BEGIN
    UPDATE address_blocks SET used = used - 1
        WHERE subnet_id = OLD.subnet_id AND block = rtrim(OLD.address, '0123456789');
END;
