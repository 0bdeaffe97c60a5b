-- The current deliveries that quarantine more than $threshold of their rows, worst first
-- (at most 20, for a check's metadata).
SELECT
    source_file,
    rows_read,
    CASE WHEN outcome = 'refused' THEN 1.0
         ELSE rows_quarantined / greatest(rows_read, 1) END AS rate
FROM ingest_load_ledger
WHERE superseded_at IS NULL AND rate > $threshold
ORDER BY rate DESC, source_file
LIMIT 20;
