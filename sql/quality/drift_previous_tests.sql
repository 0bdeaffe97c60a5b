-- Grain: one row per program, batch, reference and feature column of the previous run.
-- Purpose: the previous run's drift tests with their comparison's data version, so that
-- tests whose data did not change are reused (pipelines/quality/drift.py, reusable_tests).
SELECT columns.*, results.data_version
FROM drift_columns AS columns
JOIN drift_results AS results USING (program_id, batch_id, reference);
