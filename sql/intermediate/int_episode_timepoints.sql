-- Grain (episode_id, instrument, scale, timepoint): one row per episode, scale and
-- timepoint (baseline, post_treatment, follow_up).
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: the administration that counts for each timepoint: the scored administration
-- inside the timepoint's window (ref_timepoint_windows) nearest its target day.
CREATE OR REPLACE TABLE int_episode_timepoints AS
WITH anchored AS (
    SELECT
        scores.episode_id,
        episodes.program_id,
        scores.instrument,
        scores.scale,
        windows.timepoint,
        windows.target_days,
        scores.administered_date,
        date_diff(
            'day',
            CASE windows.anchor WHEN 'start_date' THEN episodes.start_date ELSE episodes.planned_end_date END,
            scores.administered_date
        ) AS days_from_anchor,
        windows.from_days,
        windows.to_days,
        scores.score,
        scores.prorated,
        scores.severity_band,
        scores.is_case
    FROM int_prom_scores AS scores
    JOIN staging_episodes AS episodes USING (episode_id)
    CROSS JOIN ref_timepoint_windows AS windows
    WHERE scores.score IS NOT NULL AND episodes.start_date IS NOT NULL
)
SELECT
    episode_id,
    program_id,
    instrument,
    scale,
    timepoint,
    administered_date,
    days_from_anchor,
    score,
    prorated,
    severity_band,
    is_case
FROM anchored
WHERE days_from_anchor BETWEEN from_days AND to_days
QUALIFY row_number() OVER (
    PARTITION BY episode_id, instrument, scale, timepoint
    ORDER BY abs(days_from_anchor - target_days), administered_date
) = 1;

COMMENT ON TABLE int_episode_timepoints IS 'The score that counts for each episode, scale and timepoint, chosen inside the windows of ref_timepoint_windows. Episodes that never started have no timepoints.';
COMMENT ON COLUMN int_episode_timepoints.days_from_anchor IS 'Days from the window''s anchor (start_date for baseline, planned_end_date otherwise).';
