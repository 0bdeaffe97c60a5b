-- Grain (unit_type, unit_id, instrument, scale, treatment_week): one row per reporting
-- unit, change-outcome scale and week of treatment.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of scale: ref_scales.scale.
-- Purpose: mean scores over the weeks of treatment and follow-up, from every scored
-- administration (session-by-session measures included), with 95% t-intervals.
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
