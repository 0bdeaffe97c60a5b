-- Each episode's baseline score per scale beside its post-treatment and follow-up scores
-- (NULL when that timepoint is missing), one row per episode, scale and later timepoint.
WITH baseline AS (
    SELECT * FROM int_episode_timepoints WHERE timepoint = 'baseline'
),
later_timepoints AS (
    SELECT timepoint FROM ref_timepoint_windows WHERE timepoint <> 'baseline'
)
SELECT
    baseline.episode_id,
    baseline.program_id,
    baseline.instrument,
    baseline.scale,
    later_timepoints.timepoint,
    baseline.administered_date AS baseline_date,
    baseline.score AS baseline,
    later.administered_date AS later_date,
    later.score AS later
FROM baseline
CROSS JOIN later_timepoints
LEFT JOIN int_episode_timepoints AS later
    ON later.episode_id = baseline.episode_id
   AND later.instrument = baseline.instrument
   AND later.scale = baseline.scale
   AND later.timepoint = later_timepoints.timepoint;
