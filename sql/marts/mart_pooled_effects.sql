-- Grain (instrument, scale, timepoint, subgroup, method): one row per change outcome,
-- timepoint, subgroup (all programs, or one delivery mode) and random-effects method (dl =
-- DerSimonian-Laird, pm = Paule-Mandel).
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: what the programs achieve together against in-person CBT: the pooled adjusted
-- difference, heterogeneity (tau^2, I^2, Q) and the prediction interval for a new
-- program (both intervals at the confidence_level of ref_effectiveness_thresholds), from
-- the primary comparisons whose estimates are trustworthy.
CREATE OR REPLACE TABLE mart_pooled_effects AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(subgroup AS VARCHAR) AS subgroup,
    CAST(method AS VARCHAR) AS method,
    CAST(k AS INTEGER) AS k,
    CAST(programs AS VARCHAR[]) AS programs,
    CAST(programs_excluded AS VARCHAR[]) AS programs_excluded,
    CAST(n_episodes AS BIGINT) AS n_episodes,
    CAST(estimate AS DOUBLE) AS estimate,
    CAST(se AS DOUBLE) AS se,
    CAST(ci_low AS DOUBLE) AS ci_low,
    CAST(ci_high AS DOUBLE) AS ci_high,
    CAST(tau2 AS DOUBLE) AS tau2,
    CAST(i2 AS DOUBLE) AS i2,
    CAST(q AS DOUBLE) AS q,
    CAST(q_p AS DOUBLE) AS q_p,
    CAST(pi_low AS DOUBLE) AS pi_low,
    CAST(pi_high AS DOUBLE) AS pi_high,
    CAST(mcid_points AS DOUBLE) AS mcid_points,
    CAST(noninferiority_margin AS DOUBLE) AS noninferiority_margin,
    CAST(verdict AS VARCHAR) AS verdict
FROM source_frame;

COMMENT ON TABLE mart_pooled_effects IS 'Random-effects meta-analysis of the programs'' adjusted differences from in-person CBT (mart_comparisons, primary comparator, diagnostics of bias passed). Estimates are program minus in-person in scale points and direction. Read with mart_evidence_certainty.';
COMMENT ON COLUMN mart_pooled_effects.subgroup IS 'all, or a delivery mode (self_guided, guided_asynchronous, therapist_realtime).';
COMMENT ON COLUMN mart_pooled_effects.method IS 'dl: DerSimonian-Laird tau^2; pm: Paule-Mandel tau^2 (statsmodels'' default). Same inverse-variance pooling otherwise.';
COMMENT ON COLUMN mart_pooled_effects.programs_excluded IS 'Primary comparisons left out because they had no estimate or failed sample size, variance, balance or equipoise diagnostics.';
COMMENT ON COLUMN mart_pooled_effects.estimate IS 'Pooled difference in change (program minus in-person); its CI (ci_low, ci_high) is by normal approximation at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_pooled_effects.i2 IS 'Share of variability beyond chance, (Q - (k - 1)) / Q, as a fraction (0-1).';
COMMENT ON COLUMN mart_pooled_effects.pi_low IS 'Lower limit of the prediction interval for a new program at the two-sided confidence_level of ref_effectiveness_thresholds: estimate - t(k-2) * sqrt(tau^2 + se^2); NULL for fewer programs than min_programs_for_prediction_interval of ref_effectiveness_thresholds (and never below 3, where t has no degrees of freedom).';
COMMENT ON COLUMN mart_pooled_effects.verdict IS 'Non-inferiority verdict of the pooled CI against the margin (NULL without a published MCID).';
COMMENT ON COLUMN mart_pooled_effects.instrument IS 'Instrument code.';
COMMENT ON COLUMN mart_pooled_effects.scale IS 'Scale of the instrument.';
COMMENT ON COLUMN mart_pooled_effects.outcome_label IS 'Readable outcome name.';
COMMENT ON COLUMN mart_pooled_effects.higher_is_better IS 'Direction of the scale.';
COMMENT ON COLUMN mart_pooled_effects.timepoint IS 'post_treatment or follow_up.';
COMMENT ON COLUMN mart_pooled_effects.k IS 'Programs pooled.';
COMMENT ON COLUMN mart_pooled_effects.programs IS 'The pooled programs.';
COMMENT ON COLUMN mart_pooled_effects.n_episodes IS 'Analysed program episodes in the pooled comparisons.';
COMMENT ON COLUMN mart_pooled_effects.se IS 'Standard error of estimate.';
COMMENT ON COLUMN mart_pooled_effects.ci_low IS 'Lower limit of the CI of estimate at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_pooled_effects.ci_high IS 'Upper limit of the CI of estimate at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_pooled_effects.tau2 IS 'Between-program variance (NULL for one program).';
COMMENT ON COLUMN mart_pooled_effects.q IS 'Cochran''s Q (fixed-effect weights).';
COMMENT ON COLUMN mart_pooled_effects.q_p IS 'p-value of Q, chi-squared with k - 1 df.';
COMMENT ON COLUMN mart_pooled_effects.pi_high IS 'Upper limit of the prediction interval at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_pooled_effects.mcid_points IS 'Published MCID of the outcome.';
COMMENT ON COLUMN mart_pooled_effects.noninferiority_margin IS 'Half the MCID (configurable).';
