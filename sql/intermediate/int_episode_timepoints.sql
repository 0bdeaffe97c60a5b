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
COMMENT ON COLUMN int_episode_timepoints.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_episode_timepoints.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN int_episode_timepoints.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN int_episode_timepoints.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN int_episode_timepoints.timepoint IS 'Assessment timepoint: baseline, post_treatment or follow_up (windows in ref_timepoint_windows).';
COMMENT ON COLUMN int_episode_timepoints.administered_date IS 'Date of the administration chosen for the timepoint.';
COMMENT ON COLUMN int_episode_timepoints.score IS 'Scale score of that administration (int_prom_scores.score).';
COMMENT ON COLUMN int_episode_timepoints.prorated IS 'True when the score was computed from an incomplete set of items.';
COMMENT ON COLUMN int_episode_timepoints.severity_band IS 'Severity band of the score (config/scoring.yaml); NULL where the scale has none.';
COMMENT ON COLUMN int_episode_timepoints.is_case IS 'Score at or above the scale''s caseness cut-off (ref_scales.caseness_min); NULL where the scale has none.';
