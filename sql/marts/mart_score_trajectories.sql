-- Grain (unit_type, unit_id, instrument, scale, treatment_week): one row per reporting
-- unit, change-outcome scale and week of treatment.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of scale: ref_scales.scale.
-- Purpose: mean scores over the weeks of treatment and follow-up, from every scored
-- administration (session-by-session measures included), with t-intervals (confidence_level of ref_effectiveness_thresholds).
CREATE OR REPLACE TABLE mart_score_trajectories AS
SELECT
    CAST(unit_type AS VARCHAR) AS unit_type,
    CAST(unit_id AS VARCHAR) AS unit_id,
    CAST(unit_label AS VARCHAR) AS unit_label,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(treatment_week AS INTEGER) AS treatment_week,
    CAST(n AS BIGINT) AS n_scores,
    CAST(mean AS DOUBLE) AS score_mean,
    CAST(sd AS DOUBLE) AS score_sd,
    CAST(mean_ci_low AS DOUBLE) AS score_ci_low,
    CAST(mean_ci_high AS DOUBLE) AS score_ci_high
FROM source_frame;

COMMENT ON TABLE mart_score_trajectories IS 'Mean score per week of treatment (whole weeks from the episode start; negative = before the start) per reporting unit and scale. Who answers changes over time (dropouts stop answering), so later weeks describe those still responding. Counts are unsuppressed.';
COMMENT ON COLUMN mart_score_trajectories.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_score_trajectories.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_score_trajectories.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_score_trajectories.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_score_trajectories.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN mart_score_trajectories.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN mart_score_trajectories.outcome_label IS 'Readable name of the instrument and scale (ref_scales.outcome_label).';
COMMENT ON COLUMN mart_score_trajectories.higher_is_better IS 'True when a higher score means better health (e.g. PSEQ self-efficacy); false for symptom scales such as PHQ-9.';
COMMENT ON COLUMN mart_score_trajectories.score_mean IS 'Mean of the week''s scored administrations, in scale points.';
COMMENT ON COLUMN mart_score_trajectories.score_sd IS 'Standard deviation of the week''s scores (n - 1 denominator), in scale points.';
COMMENT ON COLUMN mart_score_trajectories.treatment_week IS 'Whole weeks from the episode start to the administration (negative = before the start).';
COMMENT ON COLUMN mart_score_trajectories.n_scores IS 'Scored administrations in the week (an episode can contribute more than one). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_score_trajectories.score_ci_low IS 'Lower bound of the t-interval of score_mean at the two-sided confidence_level of ref_effectiveness_thresholds (NULL when n_scores < 2).';
COMMENT ON COLUMN mart_score_trajectories.score_ci_high IS 'Upper bound of the t-interval of score_mean at the two-sided confidence_level of ref_effectiveness_thresholds (NULL when n_scores < 2).';
