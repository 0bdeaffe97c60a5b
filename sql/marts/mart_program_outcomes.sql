-- Grain (program_id, instrument, scale, timepoint): one row per program, scale and later
-- timepoint (post_treatment, follow_up).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of province: contract programs.province.
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: how each program's patients changed: baseline and timepoint means, mean
-- paired change with its t-interval (confidence_level of ref_effectiveness_thresholds), and reliable-change and responder rates.
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

COMMENT ON TABLE mart_program_outcomes IS 'Per program, scale and timepoint: baseline and timepoint means, mean paired change (timepoint - baseline) with its t-interval at the two-sided confidence_level of ref_effectiveness_thresholds, and reliable-change and IMMPACT responder rates. Unadjusted and descriptive. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_program_outcomes.n_baseline IS 'Episodes with a baseline score on this scale.';
COMMENT ON COLUMN mart_program_outcomes.n_paired IS 'Episodes with both a baseline and a timepoint score; the denominator of mean_change.';
COMMENT ON COLUMN mart_program_outcomes.mean_change IS 'Mean of (timepoint score - baseline score) over paired episodes, in the scale''s direction.';
COMMENT ON COLUMN mart_program_outcomes.percent_change IS 'mean_change as a percentage of the paired episodes'' baseline mean.';
COMMENT ON COLUMN mart_program_outcomes.reliable_improvement_rate IS 'Share of paired episodes with a reliable improvement (Jacobson-Truax, thresholds in int_change_parameters); NULL where no reliability is published.';
COMMENT ON COLUMN mart_program_outcomes.immpact_moderate_responder_rate IS 'Share of paired episodes with a positive baseline improving by at least the IMMPACT moderate share of baseline (config/scoring.yaml immpact_responder.moderate_percent).';
COMMENT ON COLUMN mart_program_outcomes.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_program_outcomes.program_name IS 'Public name of the program or clinic, as most recently delivered (staging_programs).';
COMMENT ON COLUMN mart_program_outcomes.delivery_mode IS 'self_guided, guided_asynchronous, therapist_realtime or in_person (the in-person CBT comparator).';
COMMENT ON COLUMN mart_program_outcomes.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN mart_program_outcomes.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN mart_program_outcomes.outcome_label IS 'Readable name of the instrument and scale (ref_scales.outcome_label).';
COMMENT ON COLUMN mart_program_outcomes.higher_is_better IS 'True when a higher score means better health (e.g. PSEQ self-efficacy); false for symptom scales such as PHQ-9.';
COMMENT ON COLUMN mart_program_outcomes.timepoint IS 'Later assessment timepoint: post_treatment or follow_up (windows in ref_timepoint_windows).';
COMMENT ON COLUMN mart_program_outcomes.baseline_mean IS 'Mean baseline score of the n_baseline episodes, in scale points.';
COMMENT ON COLUMN mart_program_outcomes.baseline_sd IS 'Standard deviation of the baseline scores (n - 1 denominator), in scale points.';
COMMENT ON COLUMN mart_program_outcomes.score_mean IS 'Mean timepoint score of the paired episodes, in scale points.';
COMMENT ON COLUMN mart_program_outcomes.score_sd IS 'Standard deviation of the timepoint scores (n - 1 denominator), in scale points.';
COMMENT ON COLUMN mart_program_outcomes.change_sd IS 'Standard deviation of the paired changes (n - 1 denominator), in scale points.';
COMMENT ON COLUMN mart_program_outcomes.change_ci_low IS 'Lower bound of the t-interval of mean_change at the two-sided confidence_level of ref_effectiveness_thresholds (NULL when n_paired < 2).';
COMMENT ON COLUMN mart_program_outcomes.change_ci_high IS 'Upper bound of the t-interval of mean_change at the two-sided confidence_level of ref_effectiveness_thresholds (NULL when n_paired < 2).';
COMMENT ON COLUMN mart_program_outcomes.n_reliable_improvement IS 'Paired episodes with a Jacobson-Truax reliable improvement (thresholds in int_change_parameters). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_program_outcomes.n_reliable_deterioration IS 'Paired episodes with a Jacobson-Truax reliable deterioration (thresholds in int_change_parameters). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_program_outcomes.reliable_deterioration_rate IS 'n_reliable_deterioration over the episodes whose reliable change could be judged; NULL where the scale has no published reliability.';
COMMENT ON COLUMN mart_program_outcomes.n_immpact_moderate_responder IS 'Paired episodes improving by at least the IMMPACT moderate share of baseline (config/scoring.yaml immpact_responder.moderate_percent). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_program_outcomes.n_immpact_substantial_responder IS 'Paired episodes improving by at least the IMMPACT substantial share of baseline (config/scoring.yaml immpact_responder.substantial_percent). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_program_outcomes.immpact_substantial_responder_rate IS 'n_immpact_substantial_responder over the paired episodes with a positive baseline (config/scoring.yaml immpact_responder.substantial_percent).';
COMMENT ON COLUMN mart_program_outcomes.province IS 'Province or territory of delivery, ISO 3166-2:CA code without the CA- prefix.';
