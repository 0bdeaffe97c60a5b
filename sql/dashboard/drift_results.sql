-- Every row of drift_results (one per program, batch and reference), with the names of
-- the features that drifted (from drift_columns) and the program's name.
SELECT
    results.program_id,
    programs.program_name,
    programs.delivery_mode,
    results.batch_id,
    results.reference,
    CAST(results.current_rows AS BIGINT) AS current_rows,
    CAST(results.reference_rows AS BIGINT) AS reference_rows,
    results.columns_tested,
    results.columns_drifted,
    results.drift_share,
    results.verdict,
    results.computed_at,
    (
        SELECT string_agg(columns.column_name, ', ' ORDER BY columns.column_name)
        FROM drift_columns AS columns
        WHERE columns.program_id = results.program_id
          AND columns.batch_id = results.batch_id
          AND columns.reference = results.reference
          AND columns.drifted
    ) AS drifted_columns
FROM drift_results AS results
LEFT JOIN staging_programs AS programs USING (program_id)
ORDER BY results.program_id, results.batch_id, results.reference;
