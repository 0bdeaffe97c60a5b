-- Grain (program_id, table_name, field, reason): one row per program, contract table,
-- field and reason (with the offending value and row positions masked).
-- Purpose: what the quarantine holds, as counts a person can act on, for the data-quality
-- dashboard: never a quarantined value or a row of the quarantine. A reason names the
-- rejected value in quotes, and numbers in it can be item, row or line numbers, so the
-- reason is shown as a template: the row's own value and every quoted text become '…'
-- and every number becomes N.
CREATE OR REPLACE TABLE mart_quarantine_reasons AS
WITH templated AS (
    SELECT
        quarantine.program_id,
        quarantine.table_name,
        coalesce(quarantine.field, '(whole row)') AS field,
        regexp_replace(
            regexp_replace(
                CASE
                    WHEN quarantine.value IS NULL THEN quarantine.reason
                    ELSE replace(quarantine.reason, '''' || quarantine.value || '''', '''…''')
                END,
                '''[^'']*''',
                '''…''',
                'g'
            ),
            '\b[0-9]+\b',
            'N',
            'g'
        ) AS reason,
        quarantine.ledger_id,
        quarantine.source_row,
        quarantine.batch_id
    FROM ingest_quarantine AS quarantine
    JOIN ingest_load_ledger AS ledger USING (ledger_id)
    WHERE ledger.superseded_at IS NULL
)
SELECT
    program_id,
    table_name,
    field,
    reason,
    count(DISTINCT (ledger_id, source_row)) AS rows_quarantined,
    count(DISTINCT ledger_id) AS files,
    min(batch_id) AS first_batch,
    max(batch_id) AS last_batch
FROM templated
GROUP BY program_id, table_name, field, reason
ORDER BY program_id, table_name, field, reason;

COMMENT ON TABLE mart_quarantine_reasons IS 'Quarantined rows of current deliveries (ledger entries not superseded) counted by program, table, field and reason template. The template never holds a value: the quarantined value and any quoted text are replaced by ''…'' and numbers (row, line and item numbers, lengths) by N. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_quarantine_reasons.program_id IS 'Program whose delivery held the rows.';
COMMENT ON COLUMN mart_quarantine_reasons.table_name IS 'Contract table of the file.';
COMMENT ON COLUMN mart_quarantine_reasons.field IS 'Field the reason is about; (whole row) when the row could not be read into fields.';
COMMENT ON COLUMN mart_quarantine_reasons.reason IS 'The reason with values masked: quoted text as ''…'', numbers as N.';
COMMENT ON COLUMN mart_quarantine_reasons.rows_quarantined IS 'Distinct quarantined rows with this reason (a row with several problems counts under each).';
COMMENT ON COLUMN mart_quarantine_reasons.files IS 'Files (ledger entries) with such rows.';
COMMENT ON COLUMN mart_quarantine_reasons.first_batch IS 'Earliest delivery batch with such rows.';
COMMENT ON COLUMN mart_quarantine_reasons.last_batch IS 'Latest delivery batch with such rows.';
