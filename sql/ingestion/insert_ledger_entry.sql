-- Records one processed landing file; returns its ledger id.
INSERT INTO ingest_load_ledger (
    program_id, batch_id, table_name, source_file, file_format, content_sha256, file_bytes,
    rows_read, rows_loaded, rows_quarantined, outcome, message, contract_version, run_id, loaded_at
) VALUES (
    $program_id, $batch_id, $table_name, $source_file, $file_format, $content_sha256, $file_bytes,
    $rows_read, $rows_loaded, $rows_quarantined, $outcome, $message, $contract_version, $run_id, $now
)
RETURNING ledger_id;
