-- Records one processed landing file; returns its ledger id. The id is chosen by the loader
-- (a keyed digest of the file and load time), not by a sequence, so partition runs of
-- different programs can write ledger entries in parallel without sharing a counter.
INSERT INTO ingest_load_ledger (
    ledger_id, program_id, batch_id, table_name, source_file, file_format, content_sha256, file_bytes,
    rows_read, rows_loaded, rows_quarantined, outcome, message, contract_version, run_id, loaded_at
) VALUES (
    $ledger_id, $program_id, $batch_id, $table_name, $source_file, $file_format, $content_sha256, $file_bytes,
    $rows_read, $rows_loaded, $rows_quarantined, $outcome, $message, $contract_version, $run_id, $now
)
RETURNING ledger_id;
