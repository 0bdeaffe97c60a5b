-- Every row of mart_score_trajectories: mean score per week of treatment, one row per
-- reporting unit, change-outcome scale and week.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    instrument,
    scale,
    outcome_label,
    higher_is_better,
    treatment_week,
    n_scores,
    score_mean,
    score_sd,
    score_ci_low,
    score_ci_high,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_score_trajectories
ORDER BY instrument, scale, unit_type, unit_id, treatment_week;
