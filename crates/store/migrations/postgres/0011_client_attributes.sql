-- CPU credits of burstable instances, an Elastic IP's reverse DNS (../0011_client_attributes.sql).

ALTER TABLE instances ADD COLUMN cpu_credits TEXT COLLATE "C";
ALTER TABLE elastic_ips ADD COLUMN ptr_record TEXT COLLATE "C";
