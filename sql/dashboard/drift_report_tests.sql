-- Every feature test of every drift comparison (drift_columns), without the numbers of
-- values tested: what the dashboard serves for a drift report in place of Evidently's
-- HTML (values tested beside episodes compared would give small numbers of missing
-- values by difference).
SELECT
    program_id,
    batch_id,
    reference,
    column_name,
    column_type,
    method,
    score,
    threshold,
    drifted
FROM drift_columns
ORDER BY program_id, batch_id, reference, column_name;
