-- Grain: one row per program, batch and reference compared.
-- Purpose: the drift verdict of each batch's case mix and baseline severity, against the
-- program's own reference period and against the in-person cohort, computed by
-- pipelines/quality/drift.py with Evidently's statistical tests.
CREATE OR REPLACE TABLE drift_results AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(batch_id AS VARCHAR) AS batch_id,
    CAST(reference AS VARCHAR) AS reference,
    CAST(current_description AS VARCHAR) AS current_description,
    CAST(reference_description AS VARCHAR) AS reference_description,
    CAST(current_rows AS INTEGER) AS current_rows,
    CAST(reference_rows AS INTEGER) AS reference_rows,
    CAST(columns_tested AS INTEGER) AS columns_tested,
    CAST(columns_drifted AS INTEGER) AS columns_drifted,
    CAST(drift_share AS DOUBLE) AS drift_share,
    CAST(verdict AS VARCHAR) AS verdict,
    CAST(data_version AS VARCHAR) AS data_version,
    CAST(computed_at AS TIMESTAMP) AS computed_at
FROM source_frame;

COMMENT ON TABLE drift_results IS 'Case-mix and baseline-severity drift per program, batch (the episodes it first delivered) and reference: own_reference (the program''s first batches, config/quality.yaml) or in_person (all in-person clinics up to that batch). verdict: drift, no_drift, or insufficient_data.';
COMMENT ON COLUMN drift_results.current_description IS 'The episodes compared: those first delivered in this batch and the batches just before it (config/quality.yaml, current_batches).';
COMMENT ON COLUMN drift_results.drift_share IS 'Share of tested columns that drift; the verdict is drift when it reaches the configured drift_share.';
COMMENT ON COLUMN drift_results.data_version IS 'Digest of the compared rows; a report is regenerated only when it changes.';
COMMENT ON COLUMN drift_results.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN drift_results.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN drift_results.reference IS 'own_reference (the program''s first batches, config/quality.yaml drift.reference_batches) or in_person (all in-person clinics'' episodes up to the batch).';
COMMENT ON COLUMN drift_results.reference_description IS 'Which episodes form the reference side, in words.';
COMMENT ON COLUMN drift_results.current_rows IS 'Episodes on the current side.';
COMMENT ON COLUMN drift_results.reference_rows IS 'Episodes on the reference side.';
COMMENT ON COLUMN drift_results.columns_tested IS 'Features with enough values on both sides to test (config/quality.yaml drift.min_column_values).';
COMMENT ON COLUMN drift_results.columns_drifted IS 'Tested features whose p-value is at or below the threshold (drift_columns.drifted).';
COMMENT ON COLUMN drift_results.verdict IS 'drift (drift_share and columns_drifted at or above config/quality.yaml drift.drift_share and drift.min_drifted_columns), no_drift, or insufficient_data (too few episodes on either side).';
COMMENT ON COLUMN drift_results.computed_at IS 'When the comparison was tested (UTC).';
