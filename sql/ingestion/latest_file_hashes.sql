-- Current (not superseded) delivery per landing file path, to skip identical re-deliveries;
-- the message tells whether the file was refused for sharing its batch table with another,
-- and the contract version which manifest it was read under (a changed manifest reloads).
SELECT source_file, content_sha256, message, contract_version
FROM ingest_load_ledger
WHERE superseded_at IS NULL;
