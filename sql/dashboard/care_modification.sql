-- Every row of mart_care_modification: one row per change outcome, timepoint, method and
-- care stratum, with the test for a difference between the strata on both rows.
SELECT
    instrument,
    scale,
    outcome_label,
    higher_is_better,
    timepoint,
    method,
    stratum,
    k,
    programs,
    n_episodes,
    estimate,
    se,
    ci_low,
    ci_high,
    tau2,
    difference_without_minus_with,
    q_between,
    df,
    p_value,
    v2_programs,
    v2_episodes,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_care_modification
ORDER BY instrument, scale, timepoint, method, stratum;
