-- Attributes real clients (Terraform's provider first) read on every refresh: the CPU credit
-- option of burstable instances (NULL for other types) and an Elastic IP's reverse DNS record
-- (NULL until ModifyAddressAttribute sets one).

ALTER TABLE instances ADD COLUMN cpu_credits TEXT;
ALTER TABLE elastic_ips ADD COLUMN ptr_record TEXT;
