-- Every row of mart_quarantine_reasons: quarantined rows per program, table, field and
-- value-free reason template. The quarantine itself (values, row numbers) is never read.
SELECT
    program_id,
    table_name,
    field,
    reason,
    rows_quarantined,
    files,
    first_batch,
    last_batch
FROM mart_quarantine_reasons
ORDER BY program_id, table_name, field, reason;
