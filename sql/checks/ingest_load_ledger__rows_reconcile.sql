-- Every current ledger entry's counts match the rows actually stored: rows_loaded rows in
-- the raw table and rows_quarantined distinct rows in the quarantine. A mismatch means
-- rows were lost or duplicated.
WITH raw_rows AS (
    SELECT ledger_id, count(*) AS n FROM raw_programs GROUP BY ledger_id
    UNION ALL SELECT ledger_id, count(*) FROM raw_episodes GROUP BY ledger_id
    UNION ALL SELECT ledger_id, count(*) FROM raw_prom_responses GROUP BY ledger_id
    UNION ALL SELECT ledger_id, count(*) FROM raw_engagement_events GROUP BY ledger_id
    UNION ALL SELECT ledger_id, count(*) FROM raw_adverse_events GROUP BY ledger_id
    UNION ALL SELECT ledger_id, count(*) FROM raw_patient_experience GROUP BY ledger_id
),
quarantined AS (
    SELECT ledger_id, count(DISTINCT source_row) AS n FROM ingest_quarantine GROUP BY ledger_id
)
SELECT
    count(*) FILTER (
        WHERE ledger.rows_read <> ledger.rows_loaded + ledger.rows_quarantined
           OR ledger.rows_loaded <> coalesce(raw_rows.n, 0)
           OR ledger.rows_quarantined <> coalesce(quarantined.n, 0)
    ) AS violations,
    count(*) AS denominator
FROM ingest_load_ledger AS ledger
LEFT JOIN raw_rows USING (ledger_id)
LEFT JOIN quarantined USING (ledger_id)
WHERE ledger.superseded_at IS NULL;
