-- Every row of mart_meta_regression: one per change outcome, timepoint, moderator and
-- model term, with the programs in the model (and those of them that failed equipoise)
-- as text.
SELECT
    instrument,
    scale,
    outcome_label,
    higher_is_better,
    timepoint,
    moderator,
    term,
    k,
    array_to_string(programs, ', ') AS programs,
    array_to_string(programs_failing_equipoise, ', ') AS programs_failing_equipoise,
    coefficient,
    se,
    ci_low,
    ci_high,
    df,
    p_value,
    tau2_residual,
    r2
FROM mart_meta_regression
ORDER BY instrument, scale, timepoint, moderator, term;
