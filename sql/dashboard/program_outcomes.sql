-- Every row of mart_program_outcomes (one per program, scale and later timepoint), as
-- published. The dashboard suppresses the whole mart at once (dashboards/marts/), so
-- which cells are hidden never depends on a page's filters; ordered so that ties in
-- complementary suppression are broken the same way on every run.
SELECT
    program_id,
    program_name,
    delivery_mode,
    province,
    instrument,
    scale,
    outcome_label,
    higher_is_better,
    timepoint,
    n_baseline,
    baseline_mean,
    baseline_sd,
    n_paired,
    score_mean,
    score_sd,
    mean_change,
    change_sd,
    change_ci_low,
    change_ci_high,
    percent_change,
    n_reliable_improvement,
    reliable_improvement_rate,
    n_reliable_deterioration,
    reliable_deterioration_rate,
    n_immpact_moderate_responder,
    immpact_moderate_responder_rate,
    n_immpact_substantial_responder,
    immpact_substantial_responder_rate,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_program_outcomes
ORDER BY instrument, scale, timepoint, program_id;
