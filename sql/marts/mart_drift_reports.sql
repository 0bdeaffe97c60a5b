-- Grain (path): one row per Evidently HTML report listed in drift_reports.
-- Purpose: the reports the data-quality dashboard links to, with how many episodes each
-- describes, so that the dashboard serves only reports about enough people. A data-drift
-- report describes its comparison's current and reference episodes (drift_results); a
-- data-summary report describes the episodes its batch first delivered.
CREATE OR REPLACE TABLE mart_drift_reports AS
WITH first_delivery AS (
    SELECT episode_id, min(batch_id) AS batch_id
    FROM raw_episodes
    GROUP BY episode_id
),
batch_episodes AS (
    SELECT episodes.program_id, first_delivery.batch_id, count(*) AS episodes
    FROM staging_episodes AS episodes
    JOIN first_delivery USING (episode_id)
    GROUP BY episodes.program_id, first_delivery.batch_id
)
SELECT
    reports.report_type,
    reports.program_id,
    reports.batch_id,
    reports.reference,
    reports.verdict,
    reports.data_version,
    reports.path,
    reports.created_at,
    CAST(
        CASE
            WHEN reports.report_type = 'data_summary' THEN coalesce(batch_episodes.episodes, 0)
            ELSE results.current_rows
        END AS BIGINT
    ) AS current_episodes,
    CAST(results.reference_rows AS BIGINT) AS reference_episodes
FROM drift_reports AS reports
LEFT JOIN drift_results AS results
    ON reports.report_type = 'data_drift'
    AND results.program_id = reports.program_id
    AND results.batch_id = reports.batch_id
    AND results.reference = reports.reference
    AND results.data_version = reports.data_version
LEFT JOIN batch_episodes
    ON reports.report_type = 'data_summary'
    AND batch_episodes.program_id = reports.program_id
    AND batch_episodes.batch_id = reports.batch_id
ORDER BY reports.program_id, reports.batch_id, reports.report_type, reports.reference;

COMMENT ON TABLE mart_drift_reports IS 'The Evidently HTML reports of drift_reports (kept across runs; path relative to the reports folder) with the number of episodes each describes. The reports themselves are not suppressed: Evidently draws the distributions of the episodes it compares.';
COMMENT ON COLUMN mart_drift_reports.report_type IS 'data_drift (a batch against a reference) or data_summary (one batch on its own).';
COMMENT ON COLUMN mart_drift_reports.program_id IS 'Program the report is about.';
COMMENT ON COLUMN mart_drift_reports.batch_id IS 'Delivery batch the report is about.';
COMMENT ON COLUMN mart_drift_reports.reference IS 'own_reference or in_person for data_drift; NULL for data_summary.';
COMMENT ON COLUMN mart_drift_reports.verdict IS 'The comparison''s verdict when the report was written (drift, no_drift); NULL for data_summary.';
COMMENT ON COLUMN mart_drift_reports.data_version IS 'Digest of the compared rows: a report is written once per data version.';
COMMENT ON COLUMN mart_drift_reports.path IS 'File of the report, relative to the reports folder (Settings.reports_dir).';
COMMENT ON COLUMN mart_drift_reports.created_at IS 'When the report was written.';
COMMENT ON COLUMN mart_drift_reports.current_episodes IS 'Episodes the report describes: the comparison''s current episodes (drift_results.current_rows of the same data version; NULL when that version is no longer the latest), or the episodes the batch first delivered for a data summary.';
COMMENT ON COLUMN mart_drift_reports.reference_episodes IS 'Reference episodes of a data-drift report (NULL for a data summary, or when its data version is no longer the latest).';
