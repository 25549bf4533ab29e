-- DHCP option sets; each partition's default set becomes a row (../0010_dhcp_options.sql).
CREATE TABLE dhcp_options (
    id  TEXT COLLATE "C" PRIMARY KEY,
    pid BIGINT NOT NULL REFERENCES partitions(id)
);

CREATE TABLE dhcp_option_values (
    dhcp_options_id TEXT COLLATE "C" NOT NULL REFERENCES dhcp_options(id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    key             TEXT COLLATE "C" NOT NULL,
    value           TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (dhcp_options_id, position)
);

INSERT INTO dhcp_options (id, pid) SELECT dhcp_options_id, id FROM partitions;
INSERT INTO dhcp_option_values (dhcp_options_id, position, key, value)
    SELECT dhcp_options_id, 0, 'domain-name',
           CASE WHEN region = 'us-east-1' THEN 'ec2.internal' ELSE region || '.compute.internal' END
    FROM partitions;
INSERT INTO dhcp_option_values (dhcp_options_id, position, key, value)
    SELECT dhcp_options_id, 1, 'domain-name-servers', 'AmazonProvidedDNS' FROM partitions;
