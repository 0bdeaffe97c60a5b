-- Grain (unit_type, unit_id, week): one row per reporting unit and week since the episode
-- start.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: Kaplan-Meier estimate of staying in treatment (not dropping out) over the
-- weeks of treatment, with Greenwood log(-log) intervals at the confidence_level of
-- ref_effectiveness_thresholds.
CREATE OR REPLACE TABLE mart_dropout_survival AS
SELECT
    CAST(unit_type AS VARCHAR) AS unit_type,
    CAST(unit_id AS VARCHAR) AS unit_id,
    CAST(unit_label AS VARCHAR) AS unit_label,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(week AS INTEGER) AS week,
    CAST(n_at_risk AS BIGINT) AS n_at_risk,
    CAST(n_events AS BIGINT) AS n_dropouts,
    CAST(survival AS DOUBLE) AS share_not_dropped_out,
    CAST(survival_ci_low AS DOUBLE) AS share_ci_low,
    CAST(survival_ci_high AS DOUBLE) AS share_ci_high,
    CAST(n_started AS BIGINT) AS n_started
FROM source_frame;

COMMENT ON TABLE mart_dropout_survival IS 'Time to dropout (Kaplan-Meier) per reporting unit: share of started episodes not yet dropped out at the end of each week. Dropout (discharge reason dropped_out) is the event; completion, other discharges and ongoing episodes (at the program''s latest data) are censored. Counts are unsuppressed.';
COMMENT ON COLUMN mart_dropout_survival.n_at_risk IS 'Episodes still in treatment and observed at the start of the week.';
COMMENT ON COLUMN mart_dropout_survival.share_not_dropped_out IS 'Kaplan-Meier survival at the end of the week.';
COMMENT ON COLUMN mart_dropout_survival.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_dropout_survival.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_dropout_survival.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_dropout_survival.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_dropout_survival.n_started IS 'Started episodes (with a first module or session). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_dropout_survival.week IS 'Whole weeks since the first module or session (0 = first week).';
COMMENT ON COLUMN mart_dropout_survival.n_dropouts IS 'Dropouts (discharge reason dropped_out) during the week. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_dropout_survival.share_ci_low IS 'Lower bound of the pointwise confidence interval of share_not_dropped_out (Greenwood, log-log) at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_dropout_survival.share_ci_high IS 'Upper bound of the pointwise confidence interval of share_not_dropped_out (Greenwood, log-log) at the two-sided confidence_level of ref_effectiveness_thresholds.';
