-- Outcomes offered by the outcomes page: one row per instrument x scale with rows at the
-- timepoint in mart_program_outcomes and marked as a change outcome in ref_scales
-- (process measures such as alliance, and descriptive subscales, are left out).
SELECT DISTINCT
    outcomes.instrument,
    outcomes.scale,
    outcomes.outcome_label,
    outcomes.higher_is_better
FROM mart_program_outcomes AS outcomes
JOIN ref_scales AS scales USING (instrument, scale)
WHERE outcomes.timepoint = $timepoint
  AND scales.is_change_outcome
ORDER BY outcomes.outcome_label, outcomes.instrument, outcomes.scale;
