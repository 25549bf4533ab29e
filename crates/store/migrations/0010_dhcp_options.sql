-- DHCP option sets (issue 14). Each partition's default set (the ID partitions already
-- recorded) becomes a row: the region's private DNS domain and AmazonProvidedDNS.
CREATE TABLE dhcp_options (
    id  TEXT PRIMARY KEY,
    pid INTEGER NOT NULL REFERENCES partitions(id)
);

-- One value per row, in the order the set was created with (keys in order, values in order).
CREATE TABLE dhcp_option_values (
    dhcp_options_id TEXT NOT NULL REFERENCES dhcp_options(id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    key             TEXT NOT NULL,
    value           TEXT NOT NULL,
    PRIMARY KEY (dhcp_options_id, position)
);

INSERT INTO dhcp_options (id, pid) SELECT dhcp_options_id, id FROM partitions;
INSERT INTO dhcp_option_values (dhcp_options_id, position, key, value)
    SELECT dhcp_options_id, 0, 'domain-name',
           CASE WHEN region = 'us-east-1' THEN 'ec2.internal' ELSE region || '.compute.internal' END
    FROM partitions;
INSERT INTO dhcp_option_values (dhcp_options_id, position, key, value)
    SELECT dhcp_options_id, 1, 'domain-name-servers', 'AmazonProvidedDNS' FROM partitions;
