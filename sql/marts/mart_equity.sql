-- Grain (unit_type, unit_id, dimension, group_value): one row per reporting unit, equity
-- dimension (age band, sex, rurality, language) and group.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: reach, engagement and outcomes by group, to see whether some groups are
-- served worse: share of referrals, completion, PHQ-9 change and Talking Therapies
-- recovery.
CREATE OR REPLACE TABLE mart_equity AS
SELECT
    CAST(unit_type AS VARCHAR) AS unit_type,
    CAST(unit_id AS VARCHAR) AS unit_id,
    CAST(unit_label AS VARCHAR) AS unit_label,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(dimension AS VARCHAR) AS dimension,
    CAST(group_value AS VARCHAR) AS group_value,
    CAST(n_referred AS BIGINT) AS n_referred,
    CAST(share_of_referrals AS DOUBLE) AS share_of_referrals,
    CAST(n_started AS BIGINT) AS n_started,
    CAST(n_started_and_ended AS BIGINT) AS n_started_and_ended,
    CAST(n_completed AS BIGINT) AS n_completed,
    CAST(completion_rate AS DOUBLE) AS completion_rate,
    CAST(phq9_n_paired AS BIGINT) AS phq9_n_paired,
    CAST(phq9_mean_change AS DOUBLE) AS phq9_mean_change,
    CAST(phq9_change_ci_low AS DOUBLE) AS phq9_change_ci_low,
    CAST(phq9_change_ci_high AS DOUBLE) AS phq9_change_ci_high,
    CAST(phq9_reliable_improvement_rate AS DOUBLE) AS phq9_reliable_improvement_rate,
    CAST(n_case_at_start AS BIGINT) AS n_case_at_start,
    CAST(n_recovered AS BIGINT) AS n_recovered,
    CAST(recovery_rate AS DOUBLE) AS recovery_rate
FROM source_frame;

COMMENT ON TABLE mart_equity IS 'Reach, engagement and outcomes per reporting unit by age band, sex, rurality and language. Unadjusted: differences between groups can reflect case mix. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_equity.share_of_referrals IS 'n_referred / all referrals of the unit.';
COMMENT ON COLUMN mart_equity.completion_rate IS 'n_completed / n_started_and_ended.';
COMMENT ON COLUMN mart_equity.phq9_mean_change IS 'Mean post-treatment PHQ-9 change among paired episodes, with its t-interval at the two-sided confidence_level of ref_effectiveness_thresholds (phq9_change_ci_low, phq9_change_ci_high).';
COMMENT ON COLUMN mart_equity.recovery_rate IS 'NHS Talking Therapies recovery among episodes at caseness at start with paired PHQ-9 and GAD-7: n_recovered / n_case_at_start.';
COMMENT ON COLUMN mart_equity.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_equity.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_equity.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_equity.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_equity.n_referred IS 'Referred episodes (every delivered episode). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_equity.n_started IS 'Started episodes (with a first module or session). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_equity.n_started_and_ended IS 'Started episodes that have ended (any discharge reason): the denominator of completion_rate. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_equity.n_completed IS 'Episodes discharged with reason completed. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_equity.dimension IS 'age_band, sex, rurality or language.';
COMMENT ON COLUMN mart_equity.group_value IS 'The group within the dimension, with the codes of staging_episodes (e.g. 18-24, female, rural, fr).';
COMMENT ON COLUMN mart_equity.phq9_n_paired IS 'Episodes with a PHQ-9 total at baseline and post-treatment (0 when none). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_equity.phq9_change_ci_low IS 'Lower bound of the t-interval of phq9_mean_change at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_equity.phq9_change_ci_high IS 'Upper bound of the t-interval of phq9_mean_change at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_equity.phq9_reliable_improvement_rate IS 'Share of judged PHQ-9 paired episodes with a Jacobson-Truax reliable improvement (int_change_parameters).';
COMMENT ON COLUMN mart_equity.n_case_at_start IS 'Started episodes at NHS Talking Therapies caseness at baseline with paired PHQ-9 and GAD-7 (cut-offs in int_change_parameters.tt_caseness_min). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_equity.n_recovered IS 'Of n_case_at_start, episodes below both cut-offs at post-treatment. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
