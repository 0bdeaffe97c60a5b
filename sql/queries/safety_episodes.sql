-- Started episodes with the case mix the expected-rate models adjust for, their dates,
-- discharge reason and baseline severity score ($instrument, $scale), NULL when missing.
SELECT
    episodes.episode_id,
    episodes.program_id,
    episodes.start_date,
    episodes.end_date,
    episodes.planned_end_date,
    episodes.discharge_reason,
    episodes.age_band,
    episodes.sex,
    episodes.rurality,
    baseline.score AS baseline_severity
FROM staging_episodes AS episodes
LEFT JOIN int_episode_timepoints AS baseline
    ON baseline.episode_id = episodes.episode_id
   AND baseline.instrument = $instrument
   AND baseline.scale = $scale
   AND baseline.timepoint = 'baseline'
WHERE episodes.start_date IS NOT NULL;
