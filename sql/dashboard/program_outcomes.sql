-- Change of one outcome at one timepoint for every program: one row per program, as
-- published in mart_program_outcomes (timepoint vs baseline among episodes with both).
-- All programs are returned so small-cell suppression sees the whole group before the
-- page's filters apply.
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
    percent_change
FROM mart_program_outcomes
WHERE instrument = $instrument
  AND scale = $scale
  AND timepoint = $timepoint
ORDER BY program_name, program_id;
