-- Grain (unit_type, unit_id, instrument, scale, dose_band): one row per reporting unit,
-- change-outcome scale and dose band.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of dose_band: ref_dose_bands.dose_band.
-- Purpose: post-treatment change by the share of modules or sessions completed
-- (ref_dose_bands): do patients who do more of the program improve more? Descriptive:
-- dose is not randomised, and patients who improve may also engage more.
CREATE OR REPLACE TABLE mart_dose_response AS
SELECT
    CAST(unit_type AS VARCHAR) AS unit_type,
    CAST(unit_id AS VARCHAR) AS unit_id,
    CAST(unit_label AS VARCHAR) AS unit_label,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(dose_band AS VARCHAR) AS dose_band,
    CAST(band_order AS INTEGER) AS band_order,
    CAST(n_baseline AS BIGINT) AS n_baseline,
    CAST(n_paired AS BIGINT) AS n_paired,
    CAST(mean_change AS DOUBLE) AS mean_change,
    CAST(change_sd AS DOUBLE) AS change_sd,
    CAST(change_ci_low AS DOUBLE) AS change_ci_low,
    CAST(change_ci_high AS DOUBLE) AS change_ci_high,
    CAST(n_reliable_improvement AS BIGINT) AS n_reliable_improvement,
    CAST(reliable_improvement_rate AS DOUBLE) AS reliable_improvement_rate
FROM source_frame;

COMMENT ON TABLE mart_dose_response IS 'Post-treatment change by dose band (share of planned modules or sessions completed) per reporting unit and scale, with 95% t-intervals. Association, not causation. Counts are unsuppressed.';
