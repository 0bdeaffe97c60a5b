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
    r2,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_meta_regression
ORDER BY instrument, scale, timepoint, moderator, term;
