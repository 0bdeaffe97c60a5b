-- Grain (instrument, scale, timepoint, moderator, term): one row per change outcome,
-- timepoint, moderator and model term.
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: what makes programs work: univariable mixed-effects meta-regressions of the
-- programs' adjusted differences on therapist training in chronic pain, therapist
-- involvement, program length, number of modules and alliance (mean WAI-SR).
CREATE OR REPLACE TABLE mart_meta_regression AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(moderator AS VARCHAR) AS moderator,
    CAST(term AS VARCHAR) AS term,
    CAST(k AS INTEGER) AS k,
    CAST(programs AS VARCHAR[]) AS programs,
    CAST(programs_failing_equipoise AS VARCHAR[]) AS programs_failing_equipoise,
    CAST(caveat AS VARCHAR) AS caveat,
    CAST(coefficient AS DOUBLE) AS coefficient,
    CAST(se AS DOUBLE) AS se,
    CAST(ci_low AS DOUBLE) AS ci_low,
    CAST(ci_high AS DOUBLE) AS ci_high,
    CAST(df AS INTEGER) AS df,
    CAST(p_value AS DOUBLE) AS p_value,
    CAST(tau2_residual AS DOUBLE) AS tau2_residual,
    CAST(r2 AS DOUBLE) AS r2
FROM source_frame;

COMMENT ON TABLE mart_meta_regression IS 'Univariable mixed-effects meta-regressions (method-of-moments residual tau^2, Knapp-Hartung SEs with t on k - p df) of the programs'' adjusted differences on one program attribute at a time: the pooled programs, and those whose only failed bias diagnostic is equipoise, named in programs_failing_equipoise with a caveat. Observational and ecological: an association across programs, not the effect of changing a program.';
COMMENT ON COLUMN mart_meta_regression.term IS 'intercept, the moderator, or moderator=level for therapist_involvement (reference: the first level alphabetically).';
COMMENT ON COLUMN mart_meta_regression.coefficient IS 'Change in the difference from in-person CBT (scale points and direction) per unit of the moderator (per week, per module, per WAI-SR point; trained = true vs false).';
COMMENT ON COLUMN mart_meta_regression.r2 IS 'Share of between-program variance tau^2 explained, 1 - tau2_residual / tau2 (NULL when tau^2 is 0).';
COMMENT ON COLUMN mart_meta_regression.programs IS 'Programs in the model (alliance: only programs with WAI-SR scores, i.e. with a therapist).';
COMMENT ON COLUMN mart_meta_regression.instrument IS 'Instrument code.';
COMMENT ON COLUMN mart_meta_regression.scale IS 'Scale of the instrument.';
COMMENT ON COLUMN mart_meta_regression.outcome_label IS 'Readable outcome name.';
COMMENT ON COLUMN mart_meta_regression.higher_is_better IS 'Direction of the scale (reads the sign of coefficient).';
COMMENT ON COLUMN mart_meta_regression.timepoint IS 'post_treatment or follow_up.';
COMMENT ON COLUMN mart_meta_regression.moderator IS 'therapist_trained_in_chronic_pain, therapist_involvement, length_weeks, module_count or alliance_mean.';
COMMENT ON COLUMN mart_meta_regression.k IS 'Programs in the model.';
COMMENT ON COLUMN mart_meta_regression.se IS 'Knapp-Hartung standard error.';
COMMENT ON COLUMN mart_meta_regression.ci_low IS 'Lower confidence limit of the coefficient (t on df) at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_meta_regression.ci_high IS 'Upper confidence limit of the coefficient at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_meta_regression.df IS 'k - number of terms.';
COMMENT ON COLUMN mart_meta_regression.p_value IS 'Two-sided t-test of the term.';
COMMENT ON COLUMN mart_meta_regression.tau2_residual IS 'Between-program variance left after the moderator (method of moments).';
COMMENT ON COLUMN mart_meta_regression.programs_failing_equipoise IS 'Programs in the model whose comparison failed the equipoise diagnostic (in the demo, the self-guided ones): their overlap-population estimate enters so that programs without a therapist are represented, and their certainty is rated down for risk of bias.';
COMMENT ON COLUMN mart_meta_regression.caveat IS 'What the programs_failing_equipoise mean for this row (NULL when there are none).';
