-- Every landing file in ingest_load_ledger: program, batch, table, format, rows loaded
-- and quarantined, outcome, refusal message and whether a later delivery superseded it.
-- File sizes, hashes and rows read are left out: a size tells a small file's row count,
-- and rows read is loaded plus quarantined.
SELECT
    ledger_id,
    program_id,
    batch_id,
    table_name,
    source_file,
    file_format,
    rows_loaded,
    rows_quarantined,
    outcome,
    message,
    loaded_at,
    superseded_at,
    superseded_at IS NOT NULL AS superseded
FROM ingest_load_ledger
ORDER BY program_id, batch_id, table_name, ledger_id;
