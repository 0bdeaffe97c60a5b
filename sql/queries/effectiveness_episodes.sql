-- Episodes with a baseline per change outcome and later timepoint, input of the comparisons
-- (mart_comparisons); episodes not yet due still show which outcomes a program measures.
SELECT
    episode_id, program_id, instrument, scale, timepoint, is_due, baseline_score, score, change,
    reliable_improvement, immpact_moderate_responder, age_band, sex, rurality, language,
    readiness_stage, referral_source, completed_treatment, baseline_phq9
FROM int_effectiveness_episodes
ORDER BY program_id, instrument, scale, timepoint, episode_id;
