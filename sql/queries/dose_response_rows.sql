-- Post-treatment change of each episode with its dose band (share of modules or sessions
-- completed) and reporting units, for the change-outcome scales.
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    outcomes.instrument,
    outcomes.scale,
    scales.outcome_label,
    scales.higher_is_better,
    bands.dose_band,
    bands.band_order,
    outcomes.baseline_score,
    outcomes.score,
    outcomes.change,
    outcomes.reliable_improvement,
    outcomes.reliable_deterioration,
    outcomes.immpact_moderate_responder,
    outcomes.immpact_substantial_responder
FROM int_episode_outcomes AS outcomes
JOIN ref_scales AS scales USING (instrument, scale)
JOIN int_episode_engagement AS engagement USING (episode_id)
JOIN ref_dose_bands AS bands
    ON engagement.share_of_modules_completed >= bands.min_share
   AND (bands.below_share IS NULL OR engagement.share_of_modules_completed < bands.below_share)
JOIN int_reporting_units AS units USING (episode_id)
WHERE outcomes.timepoint = 'post_treatment' AND scales.is_change_outcome;
