-- Grain: one row per program, batch, reference and feature column.
-- Purpose: each feature's drift test: Evidently's test name, p-value and threshold.
CREATE OR REPLACE TABLE drift_columns AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(batch_id AS VARCHAR) AS batch_id,
    CAST(reference AS VARCHAR) AS reference,
    CAST(column_name AS VARCHAR) AS column_name,
    CAST(column_type AS VARCHAR) AS column_type,
    CAST(method AS VARCHAR) AS method,
    CAST(current_values AS INTEGER) AS current_values,
    CAST(reference_values AS INTEGER) AS reference_values,
    CAST(score AS DOUBLE) AS score,
    CAST(threshold AS DOUBLE) AS threshold,
    CAST(drifted AS BOOLEAN) AS drifted
FROM source_frame;

COMMENT ON TABLE drift_columns IS 'Per-feature drift tests behind drift_results: method (Evidently stattest), score (p-value), threshold and whether the column drifted. score NULL: too few values to test.';
COMMENT ON COLUMN drift_columns.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN drift_columns.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN drift_columns.reference IS 'own_reference or in_person (see drift_results.reference).';
COMMENT ON COLUMN drift_columns.column_name IS 'Feature tested: age_band, sex, rurality, baseline_phq9, baseline_gad7, baseline_peg or engagement_events_28d.';
COMMENT ON COLUMN drift_columns.column_type IS 'categorical or numerical.';
COMMENT ON COLUMN drift_columns.method IS 'Evidently statistical test: the numerical or categorical method of config/quality.yaml drift (e.g. ks, chisquare).';
COMMENT ON COLUMN drift_columns.current_values IS 'Non-missing values on the current side.';
COMMENT ON COLUMN drift_columns.reference_values IS 'Non-missing values on the reference side.';
COMMENT ON COLUMN drift_columns.score IS 'The test''s p-value; NULL when too few values to test.';
COMMENT ON COLUMN drift_columns.threshold IS 'p-value at or below which the column drifts (config/quality.yaml drift.column_threshold).';
COMMENT ON COLUMN drift_columns.drifted IS 'score at or below threshold; NULL when not tested.';
