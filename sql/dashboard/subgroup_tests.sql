-- Every row of mart_subgroup_tests: the test for differences between delivery modes, one
-- row per change outcome, timepoint and random-effects method.
SELECT
    instrument,
    scale,
    outcome_label,
    timepoint,
    method,
    groups,
    q_between,
    df,
    p_value
FROM mart_subgroup_tests
ORDER BY instrument, scale, timepoint, method;
