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

COMMENT ON TABLE mart_dose_response IS 'Post-treatment change by dose band (share of planned modules or sessions completed) per reporting unit and scale, with t-intervals at the two-sided confidence_level of ref_effectiveness_thresholds. Association, not causation. Counts are unsuppressed.';
COMMENT ON COLUMN mart_dose_response.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_dose_response.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_dose_response.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_dose_response.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_dose_response.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN mart_dose_response.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN mart_dose_response.outcome_label IS 'Readable name of the instrument and scale (ref_scales.outcome_label).';
COMMENT ON COLUMN mart_dose_response.higher_is_better IS 'True when a higher score means better health (e.g. PSEQ self-efficacy); false for symptom scales such as PHQ-9.';
COMMENT ON COLUMN mart_dose_response.n_baseline IS 'Episodes with a baseline score on this scale. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_dose_response.n_paired IS 'Episodes with both a baseline and a timepoint score: the denominator of mean_change. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_dose_response.mean_change IS 'Mean of (timepoint score - baseline score) over paired episodes, in scale points and the scale''s own direction.';
COMMENT ON COLUMN mart_dose_response.change_sd IS 'Standard deviation of the paired changes (n - 1 denominator), in scale points.';
COMMENT ON COLUMN mart_dose_response.change_ci_low IS 'Lower bound of the t-interval of mean_change at the two-sided confidence_level of ref_effectiveness_thresholds (NULL when n_paired < 2).';
COMMENT ON COLUMN mart_dose_response.change_ci_high IS 'Upper bound of the t-interval of mean_change at the two-sided confidence_level of ref_effectiveness_thresholds (NULL when n_paired < 2).';
COMMENT ON COLUMN mart_dose_response.n_reliable_improvement IS 'Paired episodes with a Jacobson-Truax reliable improvement (thresholds in int_change_parameters). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_dose_response.reliable_improvement_rate IS 'n_reliable_improvement over the episodes whose reliable change could be judged; NULL where the scale has no published reliability.';
COMMENT ON COLUMN mart_dose_response.dose_band IS 'Band of the share of planned modules or sessions completed (ref_dose_bands.dose_band).';
COMMENT ON COLUMN mart_dose_response.band_order IS 'Sort order of the band, lowest dose first (ref_dose_bands.band_order).';
