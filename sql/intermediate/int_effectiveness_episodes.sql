-- Grain (episode_id, instrument, scale, timepoint): one row per episode, change-outcome
-- scale and later timepoint (post_treatment, follow_up), for every episode with a baseline
-- score on that scale.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of province: contract programs.province.
-- Accepted values of program_status: contract programs.status.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Accepted values of age_band: contract episodes.age_band.
-- Accepted values of sex: contract episodes.sex.
-- Accepted values of rurality: contract episodes.rurality.
-- Accepted values of language: contract episodes.language.
-- Accepted values of readiness_stage: contract episodes.readiness_stage.
-- Accepted values of referral_source: contract episodes.referral_source.
-- Purpose: the analysis data set of the comparisons with in-person CBT: change and
-- responder flags, the case mix the comparisons adjust for, whether the timepoint was due
-- (its window had closed by its own program's as-of date, so a missing score is really
-- missing: a program whose deliveries lag is judged on what it has delivered, not on
-- the newest program's dates), and the auxiliary variables of the missing-data
-- sensitivity analysis.
CREATE OR REPLACE TABLE int_effectiveness_episodes AS
WITH program_dates AS (
    SELECT
        program_id,
        max(greatest(referral_date, enrolment_date, start_date, end_date)) AS last_date
    FROM staging_episodes
    GROUP BY program_id
),
program_answers AS (
    SELECT program_id, max(administered_date) AS last_date
    FROM staging_prom_responses
    GROUP BY program_id
),
as_of AS (
    SELECT
        program_dates.program_id,
        greatest(program_dates.last_date, program_answers.last_date) AS as_of_date
    FROM program_dates
    LEFT JOIN program_answers USING (program_id)
),
baseline_phq9 AS (
    SELECT episode_id, score AS baseline_phq9
    FROM int_episode_timepoints
    WHERE instrument = 'PHQ9' AND scale = 'total' AND timepoint = 'baseline'
)
SELECT
    outcomes.episode_id,
    outcomes.program_id,
    programs.delivery_mode,
    programs.province,
    programs.is_in_person,
    programs.status AS program_status,
    outcomes.instrument,
    outcomes.scale,
    outcomes.timepoint,
    CAST(
        CASE windows.anchor WHEN 'start_date' THEN episodes.start_date ELSE episodes.planned_end_date END
        + INTERVAL (windows.to_days) DAY AS DATE
    ) AS window_closes,
    CAST(
        CASE windows.anchor WHEN 'start_date' THEN episodes.start_date ELSE episodes.planned_end_date END
        + INTERVAL (windows.to_days) DAY AS DATE
    ) <= as_of.as_of_date AS is_due,
    as_of.as_of_date,
    outcomes.baseline_score,
    outcomes.score,
    outcomes.change,
    outcomes.reliable_improvement,
    outcomes.immpact_moderate_responder,
    episodes.age_band,
    episodes.sex,
    episodes.rurality,
    episodes.language,
    episodes.readiness_stage,
    episodes.referral_source,
    episodes.status = 'completed' AS completed_treatment,
    baseline_phq9.baseline_phq9
FROM int_episode_outcomes AS outcomes
JOIN ref_scales AS scales USING (instrument, scale)
JOIN staging_episodes AS episodes USING (episode_id)
JOIN staging_programs AS programs ON programs.program_id = outcomes.program_id
JOIN ref_timepoint_windows AS windows ON windows.timepoint = outcomes.timepoint
JOIN as_of ON as_of.program_id = outcomes.program_id
LEFT JOIN baseline_phq9 USING (episode_id)
WHERE scales.is_change_outcome;

COMMENT ON TABLE int_effectiveness_episodes IS 'Analysis data of the comparisons with in-person CBT: one row per episode, change-outcome scale and later timepoint with a baseline score. score is NULL when the timepoint was not answered; is_due says whether it could have been (window closed by the program''s own as_of_date). Case mix from staging_episodes.';
COMMENT ON COLUMN int_effectiveness_episodes.window_closes IS 'Last day of the timepoint''s window (anchor + to_days of ref_timepoint_windows).';
COMMENT ON COLUMN int_effectiveness_episodes.is_due IS 'The window closed on or before as_of_date: a missing score is missing, not pending. Episodes not yet due are left out of every comparison.';
COMMENT ON COLUMN int_effectiveness_episodes.as_of_date IS 'What this program''s own deliveries cover: the latest of its questionnaire and episode dates. Each program is judged against its own, so one whose deliveries lag is not counted incomplete for timepoints it has not yet had to deliver.';
COMMENT ON COLUMN int_effectiveness_episodes.change IS 'score - baseline_score, in the scale''s own direction (int_episode_outcomes).';
COMMENT ON COLUMN int_effectiveness_episodes.completed_treatment IS 'The episode ended with discharge reason completed; auxiliary variable of the missing-data analysis.';
COMMENT ON COLUMN int_effectiveness_episodes.baseline_phq9 IS 'Baseline PHQ-9 total of the episode (NULL if not answered); auxiliary variable of the missing-data analysis.';
COMMENT ON COLUMN int_effectiveness_episodes.episode_id IS 'Episode (keyed hash).';
COMMENT ON COLUMN int_effectiveness_episodes.program_id IS 'Program of the episode.';
COMMENT ON COLUMN int_effectiveness_episodes.delivery_mode IS 'Program delivery mode (in_person for the comparator).';
COMMENT ON COLUMN int_effectiveness_episodes.province IS 'Program province.';
COMMENT ON COLUMN int_effectiveness_episodes.is_in_person IS 'The episode belongs to the in-person comparator.';
COMMENT ON COLUMN int_effectiveness_episodes.program_status IS 'available or in_development.';
COMMENT ON COLUMN int_effectiveness_episodes.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR).';
COMMENT ON COLUMN int_effectiveness_episodes.scale IS 'Scale of the instrument: total or a subscale name (ref_scales); change-outcome scales only.';
COMMENT ON COLUMN int_effectiveness_episodes.timepoint IS 'post_treatment or follow_up.';
COMMENT ON COLUMN int_effectiveness_episodes.baseline_score IS 'Baseline score on the scale.';
COMMENT ON COLUMN int_effectiveness_episodes.score IS 'Score at the timepoint (NULL if not answered).';
COMMENT ON COLUMN int_effectiveness_episodes.reliable_improvement IS 'Jacobson-Truax reliable improvement (int_episode_outcomes).';
COMMENT ON COLUMN int_effectiveness_episodes.immpact_moderate_responder IS 'Improvement of at least the IMMPACT moderate share of baseline (config/scoring.yaml immpact_responder.moderate_percent).';
COMMENT ON COLUMN int_effectiveness_episodes.age_band IS 'Case mix: age band.';
COMMENT ON COLUMN int_effectiveness_episodes.sex IS 'Case mix: sex.';
COMMENT ON COLUMN int_effectiveness_episodes.rurality IS 'Case mix: urban, rural or remote.';
COMMENT ON COLUMN int_effectiveness_episodes.language IS 'Case mix: language of care.';
COMMENT ON COLUMN int_effectiveness_episodes.readiness_stage IS 'Case mix: stage of change at assessment.';
COMMENT ON COLUMN int_effectiveness_episodes.referral_source IS 'Case mix: who referred the patient.';
