-- Grain (episode_id, timepoint): one row per episode and later timepoint with PHQ-9 or
-- GAD-7 scores.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: NHS Talking Therapies paired outcomes: caseness on either measure, recovery,
-- reliable improvement, reliable deterioration and reliable recovery.
CREATE OR REPLACE TABLE int_episode_talking_therapies AS
SELECT
    CAST(episode_id AS BIGINT) AS episode_id,
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(depression_baseline AS DOUBLE) AS phq9_baseline,
    CAST(depression_post AS DOUBLE) AS phq9_score,
    CAST(anxiety_baseline AS DOUBLE) AS gad7_baseline,
    CAST(anxiety_post AS DOUBLE) AS gad7_score,
    CAST(tt_complete AS BOOLEAN) AS has_paired_scores,
    CAST(tt_case_at_start AS BOOLEAN) AS case_at_start,
    CAST(tt_case_at_end AS BOOLEAN) AS case_at_timepoint,
    CAST(tt_reliable_improvement AS BOOLEAN) AS reliable_improvement,
    CAST(tt_reliable_deterioration AS BOOLEAN) AS reliable_deterioration,
    CAST(tt_recovery AS BOOLEAN) AS recovery,
    CAST(tt_reliable_recovery AS BOOLEAN) AS reliable_recovery
FROM source_frame;

COMMENT ON TABLE int_episode_talking_therapies IS 'NHS Talking Therapies paired depression (PHQ-9) and anxiety (GAD-7) outcomes, with the cut-offs and reliable-change points of int_change_parameters (tt_caseness_min, tt_reliable_points; config/scoring.yaml talking_therapies). Case: at or above the cut-off on either measure. Recovery: a case at start below both cut-offs at the timepoint. Reliable improvement: either measure improves by at least its points and neither worsens as much; deterioration the mirror image. Outcomes are NULL without both measures at both times.';
COMMENT ON COLUMN int_episode_talking_therapies.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_episode_talking_therapies.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN int_episode_talking_therapies.timepoint IS 'Later assessment timepoint: post_treatment or follow_up (windows in ref_timepoint_windows).';
COMMENT ON COLUMN int_episode_talking_therapies.phq9_baseline IS 'PHQ-9 total at baseline.';
COMMENT ON COLUMN int_episode_talking_therapies.phq9_score IS 'PHQ-9 total at the timepoint.';
COMMENT ON COLUMN int_episode_talking_therapies.gad7_baseline IS 'GAD-7 total at baseline.';
COMMENT ON COLUMN int_episode_talking_therapies.gad7_score IS 'GAD-7 total at the timepoint.';
COMMENT ON COLUMN int_episode_talking_therapies.has_paired_scores IS 'Both measures at both times; every outcome below is NULL otherwise.';
COMMENT ON COLUMN int_episode_talking_therapies.case_at_start IS 'At or above the cut-off (int_change_parameters.tt_caseness_min) on PHQ-9, GAD-7 or both at baseline.';
COMMENT ON COLUMN int_episode_talking_therapies.case_at_timepoint IS 'At or above either cut-off at the timepoint.';
COMMENT ON COLUMN int_episode_talking_therapies.reliable_improvement IS 'Either measure improved by at least its reliable-change points (int_change_parameters.tt_reliable_points) and neither worsened by that much.';
COMMENT ON COLUMN int_episode_talking_therapies.reliable_deterioration IS 'Either measure worsened by at least its reliable-change points and neither improved by that much.';
COMMENT ON COLUMN int_episode_talking_therapies.recovery IS 'A case at start below both cut-offs at the timepoint; NULL if not a case at start.';
COMMENT ON COLUMN int_episode_talking_therapies.reliable_recovery IS 'recovery and reliable_improvement together; NULL if not a case at start.';
