-- Programs offered by the outcomes page's program filter: one row per program with rows
-- at the timepoint in mart_program_outcomes, in program id order (as every page lists them).
SELECT DISTINCT program_id, program_name, delivery_mode
FROM mart_program_outcomes
WHERE timepoint = $timepoint
ORDER BY program_id;
