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
    score_ci_high
FROM mart_score_trajectories
ORDER BY instrument, scale, unit_type, unit_id, treatment_week;
