-- Ended episodes whose $instrument $scale total rose from baseline by at least the
-- deterioration threshold ($definition: the Jacobson-Truax points or the Talking
-- Therapies points of int_change_parameters) at a score before the planned end: the
-- first such date and how the episode ended.
WITH threshold AS (
    SELECT CASE $definition
        WHEN 'talking_therapies' THEN tt_reliable_points
        ELSE rci_threshold
    END AS points
    FROM int_change_parameters
    WHERE instrument = $instrument AND scale = $scale
),
baseline AS (
    SELECT episode_id, administered_date, score
    FROM int_episode_timepoints
    WHERE instrument = $instrument AND scale = $scale AND timepoint = 'baseline'
),
worse AS (
    SELECT scores.episode_id, min(scores.administered_date) AS deterioration_date
    FROM int_prom_scores AS scores
    JOIN baseline USING (episode_id)
    JOIN staging_episodes AS episodes USING (episode_id)
    CROSS JOIN threshold
    WHERE scores.instrument = $instrument
      AND scores.scale = $scale
      AND scores.administered_date > baseline.administered_date
      AND scores.administered_date < episodes.planned_end_date
      AND scores.score - baseline.score >= threshold.points
    GROUP BY scores.episode_id
)
SELECT
    episodes.episode_id,
    episodes.end_date AS unit_date,
    worse.deterioration_date,
    episodes.discharge_reason
FROM worse
JOIN staging_episodes AS episodes USING (episode_id)
WHERE episodes.end_date IS NOT NULL;
