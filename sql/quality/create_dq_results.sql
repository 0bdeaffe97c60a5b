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
COMMENT ON COLUMN dq_check_status.check_id IS 'Check identifier of config/dq_checks.yaml.';
COMMENT ON COLUMN dq_check_status.check_type IS 'Parameterised check type (sql/checks/dq/<check_type>.sql).';
COMMENT ON COLUMN dq_check_status.category IS 'Kahn data-quality category: conformance, completeness or plausibility.';
COMMENT ON COLUMN dq_check_status.table_name IS 'Warehouse table the check applies to.';
COMMENT ON COLUMN dq_check_status.field_name IS 'Field the check applies to; NULL for a table-level check.';
COMMENT ON COLUMN dq_check_status.num_violated_rows IS 'Rows that violate the check in its latest execution; NULL when it could not run.';
COMMENT ON COLUMN dq_check_status.num_denominator_rows IS 'Rows the check applied to in its latest execution; 0 makes it not applicable.';
COMMENT ON COLUMN dq_check_status.pct_violated_rows IS '100 * num_violated_rows / num_denominator_rows.';
COMMENT ON COLUMN dq_check_status.threshold_pct IS 'Current threshold in percent (ref_dq_checks), or the one of the run when the check is no longer configured.';
COMMENT ON COLUMN dq_check_status.status IS 'Status under the current threshold: error, not_applicable, failed or passed.';
COMMENT ON COLUMN dq_check_status.status_when_run IS 'Status under the threshold in force when the check ran (dq_results.status).';
COMMENT ON COLUMN dq_check_status.severity IS 'warn or error, from ref_dq_checks when configured.';
COMMENT ON COLUMN dq_check_status.notes IS 'Notes on the check, from ref_dq_checks when configured.';
COMMENT ON COLUMN dq_check_status.error IS 'The error message when the check''s SQL failed.';
COMMENT ON COLUMN dq_check_status.executed_at IS 'When the latest execution ran (UTC).';
COMMENT ON COLUMN dq_results.run_id IS 'Dagster run that executed the check.';
COMMENT ON COLUMN dq_results.executed_at IS 'When the check ran (UTC).';
COMMENT ON COLUMN dq_results.check_id IS 'Check identifier of config/dq_checks.yaml (ref_dq_checks.check_id).';
COMMENT ON COLUMN dq_results.check_type IS 'Parameterised check type: the SQL template sql/checks/dq/<check_type>.sql (is_primary_key, is_foreign_key, measure_value_completeness, ...).';
COMMENT ON COLUMN dq_results.category IS 'Kahn data-quality category: conformance, completeness or plausibility.';
COMMENT ON COLUMN dq_results.table_name IS 'Warehouse table the check applies to.';
COMMENT ON COLUMN dq_results.field_name IS 'Field the check applies to; NULL for a table-level check.';
COMMENT ON COLUMN dq_results.pct_violated_rows IS '100 * num_violated_rows / num_denominator_rows.';
COMMENT ON COLUMN dq_results.threshold_pct IS 'Share of violating rows allowed, in percent, as configured when the check ran (config/dq_checks.yaml).';
COMMENT ON COLUMN dq_results.status IS 'error (the SQL failed), not_applicable (table missing or nothing to check), failed (above the threshold) or passed.';
COMMENT ON COLUMN dq_results.error IS 'The error message when the check''s SQL failed; NULL otherwise.';
COMMENT ON COLUMN dq_results.severity IS 'warn or error: how a failed check is reported as a Dagster asset check.';
COMMENT ON COLUMN dq_results.notes IS 'Notes on the check from config/dq_checks.yaml.';
COMMENT ON COLUMN dq_results.params IS 'The check''s SQL parameters as JSON (table, field and check-specific values).';
COMMENT ON COLUMN dq_results.execution_seconds IS 'Wall-clock seconds the check''s SQL took.';
