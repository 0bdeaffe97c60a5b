-- Which programs each pooled estimate of mart_pooled_effects includes: one row per change
-- outcome, timepoint, subgroup, method and pooled program, so the dashboard can hide a
-- pooled episode total that would reveal a program it hides.
SELECT
    instrument,
    scale,
    timepoint,
    subgroup,
    method,
    unnest(programs) AS program_id
FROM mart_pooled_effects
ORDER BY instrument, scale, timepoint, subgroup, method, program_id;
