-- Every row of mart_pooled_effects (one per change outcome, timepoint, subgroup and
-- random-effects method), with the pooled programs as text. A pooled estimate of one
-- program is that program's comparison: `sole_program_id` names it and
-- `sole_program_episodes` repeats its analysed episodes, so the dashboard hides the row
-- wherever it hides that comparison.
SELECT
    instrument,
    scale,
    outcome_label,
    higher_is_better,
    timepoint,
    subgroup,
    method,
    k,
    array_to_string(programs, ', ') AS programs,
    array_to_string(programs_excluded, ', ') AS programs_excluded,
    CASE WHEN k = 1 THEN programs[1] END AS sole_program_id,
    n_episodes,
    CASE WHEN k = 1 THEN n_episodes END AS sole_program_episodes,
    estimate,
    se,
    ci_low,
    ci_high,
    tau2,
    i2,
    q,
    q_p,
    pi_low,
    pi_high,
    mcid_points,
    noninferiority_margin,
    verdict,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_pooled_effects
ORDER BY instrument, scale, timepoint, subgroup, method;
