-- Grain (indicator, episode_id, unit_date, trigger_type?): one row per indicator and unit
-- (an episode; for the follow-up indicator, one trigger of an episode).
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: every safety indicator as a dated yes/no outcome with the case mix and the
-- expected probability from the in-person reference; the input of every safety mart.
CREATE OR REPLACE TABLE safety_units AS
SELECT
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(episode_id AS BIGINT) AS episode_id,
    CAST(unit_date AS DATE) AS unit_date,
    CAST(month AS DATE) AS month,
    CAST(event AS BOOLEAN) AS event,
    CAST(age_band_index AS TINYINT) AS age_band_index,
    CAST(female AS BOOLEAN) AS female,
    CAST(rurality AS VARCHAR) AS rurality,
    CAST(baseline_severity AS DOUBLE) AS baseline_severity,
    CAST(baseline_item9 AS DOUBLE) AS baseline_item9,
    CAST(trigger_type AS VARCHAR) AS trigger_type,
    CAST(expected AS DOUBLE) AS expected,
    CAST(reference AS VARCHAR) AS reference,
    CAST(reference_method AS VARCHAR) AS reference_method,
    CAST(reference_logit_se AS DOUBLE) AS reference_logit_se
FROM source_frame;

COMMENT ON TABLE safety_units IS 'Patient-level safety outcomes (pseudonymised episode ids): one row per indicator and unit with its expected probability under in-person CBT for the same case mix. Never publish rows from it; the marts aggregate it.';
COMMENT ON COLUMN safety_units.unit_date IS 'When the outcome became known: the post-treatment administration (deterioration, item 9), the episode end (adverse events, disengagement) or the trigger date (follow-up).';
COMMENT ON COLUMN safety_units.event IS 'True when the harm (or the breach of the follow-up standard) happened.';
COMMENT ON COLUMN safety_units.baseline_severity IS 'The indicator''s own baseline score for deterioration; the baseline PHQ-9 total otherwise.';
COMMENT ON COLUMN safety_units.expected IS 'Probability of the event under the reference (logistic model on case mix, crude in-person rate or published rate); NULL when there is no reference.';
COMMENT ON COLUMN safety_units.reference IS 'Cohort the expectation comes from: in_person_<province>, all_in_person or published.';
COMMENT ON COLUMN safety_units.reference_logit_se IS 'Standard error of the expected log-odds from the reference''s own sampling error (the pooled model''s covariance by the delta method, plus the posterior variance of the shrunk province offset), one value per program and indicator; carried into the funnel limits and the CUSUM threshold when expected.reference_uncertainty is carry.';
COMMENT ON COLUMN safety_units.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN safety_units.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN safety_units.indicator IS 'Safety indicator code of ref_safety_indicators (e.g. phq9_reliable_deterioration, serious_adverse_event, item9_follow_up_breach).';
COMMENT ON COLUMN safety_units.month IS 'Month of unit_date (first day).';
COMMENT ON COLUMN safety_units.age_band_index IS 'Position of the age band, 0 = 18-24 up to 6 = 75+ (the model''s ordinal age covariate).';
COMMENT ON COLUMN safety_units.female IS 'sex is female.';
COMMENT ON COLUMN safety_units.rurality IS 'urban, rural or remote.';
COMMENT ON COLUMN safety_units.baseline_item9 IS 'Baseline PHQ-9 item-9 answer (answer range in ref_instrument_items); NULL if not answered.';
COMMENT ON COLUMN safety_units.reference_method IS 'How expected was made: logistic, severity, crude, published, none (no reference) or not_measured (process standard that cannot be shown met).';
COMMENT ON COLUMN safety_units.trigger_type IS 'For the follow-up indicator, what called for the follow-up (item9_answer or serious_adverse_event, config/safety.yaml process_of_care.triggers); empty for every other indicator.';
