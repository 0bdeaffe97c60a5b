-- Episode outcomes with their program's attributes, input of mart_program_outcomes.
SELECT
    programs.program_id,
    programs.program_name,
    programs.delivery_mode,
    programs.province,
    outcomes.instrument,
    outcomes.scale,
    scales.outcome_label,
    scales.higher_is_better,
    outcomes.timepoint,
    outcomes.baseline_score,
    outcomes.score,
    outcomes.change,
    outcomes.reliable_improvement,
    outcomes.reliable_deterioration,
    outcomes.immpact_moderate_responder,
    outcomes.immpact_substantial_responder
FROM int_episode_outcomes AS outcomes
JOIN staging_programs AS programs USING (program_id)
JOIN ref_scales AS scales USING (instrument, scale);
