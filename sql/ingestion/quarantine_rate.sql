-- Quarantine rate of the current deliveries: how many files quarantine more than
-- $threshold of their rows, the overall counts, and the worst file's rate. Refused files
-- count as fully quarantined; empty files count as 0.
WITH current_files AS (
    SELECT
        rows_read,
        rows_quarantined,
        CASE WHEN outcome = 'refused' THEN 1.0
             ELSE rows_quarantined / greatest(rows_read, 1) END AS rate
    FROM ingest_load_ledger
    WHERE superseded_at IS NULL
)
SELECT
    count(*) AS files,
    count(*) FILTER (WHERE rate > $threshold) AS files_over,
    coalesce(sum(rows_read), 0) AS rows_read,
    coalesce(sum(rows_quarantined), 0) AS rows_quarantined,
    coalesce(max(rate), 0) AS worst_rate
FROM current_files;
