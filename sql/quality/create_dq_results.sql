-- Data-quality results, kept across runs (one row per check per execution), and the
-- view that re-evaluates their status against the current thresholds in ref_dq_checks.
CREATE TABLE IF NOT EXISTS dq_results (
    run_id VARCHAR,
    executed_at TIMESTAMP NOT NULL,
    check_id VARCHAR NOT NULL,
    check_type VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    field_name VARCHAR,
    num_violated_rows BIGINT,
    num_denominator_rows BIGINT,
    pct_violated_rows DOUBLE,
    threshold_pct DOUBLE NOT NULL,
    status VARCHAR NOT NULL,
    error VARCHAR,
    severity VARCHAR NOT NULL,
    notes VARCHAR,
    query_file VARCHAR NOT NULL,
    params VARCHAR NOT NULL,
    execution_seconds DOUBLE NOT NULL,
    CHECK (status IN ('error', 'not_applicable', 'failed', 'passed'))
);

CREATE OR REPLACE VIEW dq_check_status AS
WITH latest AS (
    SELECT *
    FROM dq_results
    QUALIFY row_number() OVER (PARTITION BY check_id ORDER BY executed_at DESC) = 1
)
SELECT
    latest.check_id,
    latest.check_type,
    latest.category,
    latest.table_name,
    latest.field_name,
    latest.num_violated_rows,
    latest.num_denominator_rows,
    latest.pct_violated_rows,
    coalesce(thresholds.threshold_pct, latest.threshold_pct) AS threshold_pct,
    CASE
        WHEN latest.error IS NOT NULL THEN 'error'
        WHEN coalesce(latest.num_denominator_rows, 0) = 0 THEN 'not_applicable'
        WHEN latest.pct_violated_rows > coalesce(thresholds.threshold_pct, latest.threshold_pct)
            THEN 'failed'
        ELSE 'passed'
    END AS status,
    latest.status AS status_when_run,
    coalesce(thresholds.severity, latest.severity) AS severity,
    coalesce(thresholds.notes, latest.notes) AS notes,
    latest.error,
    latest.executed_at
FROM latest
LEFT JOIN ref_dq_checks AS thresholds USING (check_id);

COMMENT ON TABLE dq_results IS 'Every execution of every data-quality check: violating and denominator row counts, percentage, the threshold then in force and the resulting status (error > not_applicable > failed > passed, as OHDSI''s Data Quality Dashboard).';
COMMENT ON COLUMN dq_results.num_violated_rows IS 'Rows that violate the check; NULL when the check could not run.';
COMMENT ON COLUMN dq_results.num_denominator_rows IS 'Rows the check applies to; 0 makes the check not applicable.';
COMMENT ON COLUMN dq_results.query_file IS 'The check type''s SQL template, relative to sql/.';
COMMENT ON VIEW dq_check_status IS 'Latest result of each data-quality check with its status re-evaluated against the current thresholds in ref_dq_checks, so an edited threshold applies without re-running the check. status_when_run is the status under the threshold of the run.';
