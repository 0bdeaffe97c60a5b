-- Grain: one row per configured data-quality check (config/dq_checks.yaml).
-- Purpose: the checks, their thresholds and notes as a table, so dq_check_status can
-- re-apply edited thresholds to stored counts without re-running any check.
CREATE OR REPLACE TABLE ref_dq_checks AS
SELECT
    CAST(check_id AS VARCHAR) AS check_id,
    CAST(check_type AS VARCHAR) AS check_type,
    CAST(category AS VARCHAR) AS category,
    CAST(table_name AS VARCHAR) AS table_name,
    CAST(field_name AS VARCHAR) AS field_name,
    CAST(params AS VARCHAR) AS params,
    CAST(threshold_pct AS DOUBLE) AS threshold_pct,
    CAST(severity AS VARCHAR) AS severity,
    CAST(description AS VARCHAR) AS description,
    CAST(notes AS VARCHAR) AS notes
FROM source_frame;

COMMENT ON TABLE ref_dq_checks IS 'Data-quality checks in the style of OHDSI''s Data Quality Dashboard, from config/dq_checks.yaml: check type (sql/checks/dq/<check_type>.sql), Kahn category, table, field, parameters, threshold and notes.';
COMMENT ON COLUMN ref_dq_checks.threshold_pct IS 'A check fails when more than this percentage of the rows it applies to violate it.';
COMMENT ON COLUMN ref_dq_checks.severity IS 'Dagster asset check severity of a failure: warn or error.';
COMMENT ON COLUMN ref_dq_checks.params IS 'The check type''s SQL parameters, as JSON.';
COMMENT ON COLUMN ref_dq_checks.notes IS 'Why the threshold is what it is, or why a failure is accepted.';
COMMENT ON COLUMN ref_dq_checks.check_id IS 'Check identifier, unique in config/dq_checks.yaml.';
COMMENT ON COLUMN ref_dq_checks.check_type IS 'Parameterised check type: sql/checks/dq/<check_type>.sql.';
COMMENT ON COLUMN ref_dq_checks.category IS 'Kahn data-quality category: conformance, completeness or plausibility.';
COMMENT ON COLUMN ref_dq_checks.table_name IS 'Warehouse table the check applies to.';
COMMENT ON COLUMN ref_dq_checks.field_name IS 'Field the check applies to; NULL for a table-level check.';
COMMENT ON COLUMN ref_dq_checks.description IS 'What the check verifies, in plain words.';
