-- Every row of mart_drift_reports: the kept Evidently HTML reports with the number of
-- episodes each describes, which decides whether the dashboard serves it.
SELECT
    report_type,
    program_id,
    batch_id,
    reference,
    verdict,
    path,
    created_at,
    current_episodes,
    reference_episodes
FROM mart_drift_reports
ORDER BY program_id, batch_id, report_type, reference;
