-- Current (not superseded) delivery per landing file path, to skip identical re-deliveries.
SELECT source_file, content_sha256
FROM ingest_load_ledger
WHERE superseded_at IS NULL;
