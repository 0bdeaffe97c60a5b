-- Grain (program_id, instrument, scale, timepoint): one row per program, scale and later
-- timepoint (post_treatment, follow_up).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of province: contract programs.province.
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: how each program's patients changed: baseline and timepoint means, mean
-- paired change with its 95% t-interval, and reliable-change and responder rates.
-- Descriptive, unadjusted; comparisons with in-person CBT are in the comparison marts.
CREATE OR REPLACE TABLE mart_program_outcomes AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(program_name AS VARCHAR) AS program_name,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(province AS VARCHAR) AS province,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(n_baseline AS BIGINT) AS n_baseline,
    CAST(baseline_mean AS DOUBLE) AS baseline_mean,
    CAST(baseline_sd AS DOUBLE) AS baseline_sd,
    CAST(n_paired AS BIGINT) AS n_paired,
    CAST(score_mean AS DOUBLE) AS score_mean,
    CAST(score_sd AS DOUBLE) AS score_sd,
    CAST(mean_change AS DOUBLE) AS mean_change,
    CAST(change_sd AS DOUBLE) AS change_sd,
    CAST(change_ci_low AS DOUBLE) AS change_ci_low,
    CAST(change_ci_high AS DOUBLE) AS change_ci_high,
    CAST(percent_change AS DOUBLE) AS percent_change,
    CAST(n_reliable_improvement AS BIGINT) AS n_reliable_improvement,
    CAST(reliable_improvement_rate AS DOUBLE) AS reliable_improvement_rate,
    CAST(n_reliable_deterioration AS BIGINT) AS n_reliable_deterioration,
    CAST(reliable_deterioration_rate AS DOUBLE) AS reliable_deterioration_rate,
    CAST(n_immpact_moderate_responder AS BIGINT) AS n_immpact_moderate_responder,
    CAST(immpact_moderate_responder_rate AS DOUBLE) AS immpact_moderate_responder_rate,
    CAST(n_immpact_substantial_responder AS BIGINT) AS n_immpact_substantial_responder,
    CAST(immpact_substantial_responder_rate AS DOUBLE) AS immpact_substantial_responder_rate
FROM source_frame;

COMMENT ON TABLE mart_program_outcomes IS 'Per program, scale and timepoint: baseline and timepoint means, mean paired change (timepoint - baseline) with 95% t-interval, and reliable-change and IMMPACT responder rates. Unadjusted and descriptive. Counts are unsuppressed here: apply small-cell suppression (counts 1-4) before showing them to anyone.';
COMMENT ON COLUMN mart_program_outcomes.n_baseline IS 'Episodes with a baseline score on this scale.';
COMMENT ON COLUMN mart_program_outcomes.n_paired IS 'Episodes with both a baseline and a timepoint score; the denominator of mean_change.';
COMMENT ON COLUMN mart_program_outcomes.mean_change IS 'Mean of (timepoint score - baseline score) over paired episodes, in the scale''s direction.';
COMMENT ON COLUMN mart_program_outcomes.percent_change IS 'mean_change as a percentage of the paired episodes'' baseline mean.';
COMMENT ON COLUMN mart_program_outcomes.reliable_improvement_rate IS 'Share of paired episodes with a reliable improvement (Jacobson-Truax, thresholds in int_change_parameters); NULL where no reliability is published.';
COMMENT ON COLUMN mart_program_outcomes.immpact_moderate_responder_rate IS 'Share of paired episodes improving by at least 30% of baseline (IMMPACT).';
