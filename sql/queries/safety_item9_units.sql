-- Episodes with PHQ-9 item $item_number answered at baseline and at $timepoint: both
-- answers, dated by the later administration.
WITH answers AS (
    SELECT
        timepoints.episode_id,
        timepoints.timepoint,
        timepoints.administered_date,
        responses.value
    FROM int_episode_timepoints AS timepoints
    JOIN staging_prom_responses AS responses
        ON responses.episode_id = timepoints.episode_id
       AND responses.instrument = timepoints.instrument
       AND responses.administered_date = timepoints.administered_date
    WHERE timepoints.instrument = $instrument
      AND timepoints.scale = $scale
      AND timepoints.timepoint IN ('baseline', $timepoint)
      AND responses.item_number = $item_number
      AND responses.value IS NOT NULL
)
SELECT
    later.episode_id,
    later.administered_date AS unit_date,
    baseline.value AS baseline_item,
    later.value AS later_item
FROM answers AS later
JOIN answers AS baseline
    ON baseline.episode_id = later.episode_id AND baseline.timepoint = 'baseline'
WHERE later.timepoint = $timepoint;
