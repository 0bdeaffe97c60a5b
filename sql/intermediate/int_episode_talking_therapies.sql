-- Grain: one row per episode and later timepoint with PHQ-9 or GAD-7 scores.
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

COMMENT ON TABLE int_episode_talking_therapies IS 'NHS Talking Therapies paired depression (PHQ-9) and anxiety (GAD-7) outcomes. Case: PHQ-9 >= 10 or GAD-7 >= 8. Recovery: a case at start below both cut-offs at the timepoint. Reliable improvement: either falls by >= 6 (PHQ-9) / 4 (GAD-7) and neither rises as much; deterioration the mirror image. Outcomes are NULL without both measures at both times.';
COMMENT ON COLUMN int_episode_talking_therapies.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_episode_talking_therapies.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN int_episode_talking_therapies.timepoint IS 'Later assessment timepoint: post_treatment or follow_up (windows in ref_timepoint_windows).';
