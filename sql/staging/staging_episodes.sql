-- Grain (episode_id): one row per episode (one enrolment of one patient in one program).
-- Accepted values of referral_source: contract episodes.referral_source.
-- Accepted values of discharge_reason: contract episodes.discharge_reason.
-- Accepted values of age_band: contract episodes.age_band.
-- Accepted values of sex: contract episodes.sex.
-- Accepted values of rurality: contract episodes.rurality.
-- Accepted values of language: contract episodes.language.
-- Accepted values of readiness_stage: contract episodes.readiness_stage.
-- Latest delivery = newest period (batch_id read as a YYYY-MM date, never sorted as
-- text), then newest load (ledger_id): a late re-delivery of an older period never wins.
-- Purpose: the latest delivered version of each episode, with the planned end date
-- (start + program length) that the post-treatment window is centred on, and its status.
-- The contract v2 fields (access, concurrent care, stop reason) are NULL for an episode
-- whose latest delivery followed v1; contract_version says which.
CREATE OR REPLACE TABLE staging_episodes AS
WITH latest AS (
    SELECT *
    FROM raw_episodes
    QUALIFY row_number() OVER (PARTITION BY episode_id ORDER BY try_strptime(batch_id, '%Y-%m') DESC NULLS LAST, ledger_id DESC) = 1
)
SELECT
    latest.episode_id,
    latest.patient_id,
    latest.program_id,
    latest.referral_source,
    latest.referral_date,
    latest.enrolment_date,
    latest.start_date,
    latest.end_date,
    latest.discharge_reason,
    CAST(latest.start_date + INTERVAL (programs.length_weeks * 7) DAY AS DATE) AS planned_end_date,
    CASE
        WHEN latest.end_date IS NULL THEN 'ongoing'
        ELSE latest.discharge_reason
    END AS status,
    latest.age_band,
    latest.sex,
    latest.rurality,
    latest.language,
    latest.readiness_stage,
    latest.device_access,
    latest.internet_access,
    latest.concurrent_physiotherapy,
    latest.concurrent_pain_clinic,
    latest.concurrent_medication_review,
    latest.concurrent_other_psychological,
    latest.stop_reason,
    latest.contract_version,
    latest.batch_id AS last_batch_id
FROM latest
JOIN staging_programs AS programs USING (program_id);

COMMENT ON TABLE staging_episodes IS 'Episodes of care, latest delivery per episode. Keys are keyed hashes (HMAC-SHA-256) of the source keys; no identifier is stored.';
COMMENT ON COLUMN staging_episodes.episode_id IS 'Keyed hash of the program''s episode key (BIGINT).';
COMMENT ON COLUMN staging_episodes.patient_id IS 'Keyed hash of the program''s patient key, domain-separated by program (the same person in two programs has two ids).';
COMMENT ON COLUMN staging_episodes.planned_end_date IS 'start_date + program length; centre of the post-treatment window.';
COMMENT ON COLUMN staging_episodes.status IS 'ongoing, or the discharge reason once the episode has ended.';
COMMENT ON COLUMN staging_episodes.readiness_stage IS 'Stage of change at assessment (Pain Stages of Change Questionnaire, Kerns et al. 1997).';
COMMENT ON COLUMN staging_episodes.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN staging_episodes.referral_source IS 'Who referred the patient: self, primary_care, pain_clinic, specialist or other.';
COMMENT ON COLUMN staging_episodes.referral_date IS 'Date the referral was received.';
COMMENT ON COLUMN staging_episodes.enrolment_date IS 'Date the patient was enrolled; NULL if not (yet) enrolled.';
COMMENT ON COLUMN staging_episodes.start_date IS 'Date of the first module or session; NULL if not (yet) started.';
COMMENT ON COLUMN staging_episodes.end_date IS 'Date the episode ended; NULL while it is ongoing.';
COMMENT ON COLUMN staging_episodes.discharge_reason IS 'completed, dropped_out, not_started, referred_elsewhere, clinical_decision or other; NULL while ongoing.';
COMMENT ON COLUMN staging_episodes.age_band IS 'Age at referral in bands: 18-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75+.';
COMMENT ON COLUMN staging_episodes.sex IS 'female, male, other or not_stated.';
COMMENT ON COLUMN staging_episodes.rurality IS 'urban, rural or remote.';
COMMENT ON COLUMN staging_episodes.language IS 'Language of care: en, fr or other.';
COMMENT ON COLUMN staging_episodes.last_batch_id IS 'Batch (YYYY-MM) that delivered this version of the episode.';
COMMENT ON COLUMN staging_episodes.device_access IS 'Device access at referral (contract v2): own_device, shared_device, no_device, not_stated; NULL when the latest delivery followed v1.';
COMMENT ON COLUMN staging_episodes.internet_access IS 'Internet access at referral (contract v2): home_broadband, mobile_data_only, public_or_limited, none, not_stated; NULL under v1.';
COMMENT ON COLUMN staging_episodes.concurrent_physiotherapy IS 'Physiotherapy for pain received during the episode (contract v2); NULL under v1.';
COMMENT ON COLUMN staging_episodes.concurrent_pain_clinic IS 'Multidisciplinary or specialist pain clinic attended during the episode (contract v2); NULL under v1.';
COMMENT ON COLUMN staging_episodes.concurrent_medication_review IS 'Pain medication review during the episode (contract v2); NULL under v1.';
COMMENT ON COLUMN staging_episodes.concurrent_other_psychological IS 'Other psychological care outside the program during the episode (contract v2); NULL under v1.';
COMMENT ON COLUMN staging_episodes.stop_reason IS 'Main reason for stopping when discharge_reason is dropped_out or not_started (contract v2); NULL when not recorded or under v1.';
COMMENT ON COLUMN staging_episodes.contract_version IS 'Contract version (v1 or v2) of the delivery this row comes from; v2-only analyses use the v2 rows alone.';
