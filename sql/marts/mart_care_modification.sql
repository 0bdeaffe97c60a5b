-- Grain (instrument, scale, timepoint, method, stratum): one row per change outcome,
-- timepoint, random-effects method and care stratum (with_care, without_care).
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: does the difference between iCBT and in-person CBT depend on concurrent
-- multidisciplinary pain care (contract v2)? The comparisons of mart_comparisons run on
-- the v2 iCBT episodes with and without such care, each stratum pooled like
-- mart_pooled_effects and the two tested like mart_subgroup_tests.
CREATE OR REPLACE TABLE mart_care_modification AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(method AS VARCHAR) AS method,
    CAST(stratum AS VARCHAR) AS stratum,
    CAST(k AS INTEGER) AS k,
    CAST(programs AS VARCHAR[]) AS programs,
    CAST(n_episodes AS BIGINT) AS n_episodes,
    CAST(estimate AS DOUBLE) AS estimate,
    CAST(se AS DOUBLE) AS se,
    CAST(ci_low AS DOUBLE) AS ci_low,
    CAST(ci_high AS DOUBLE) AS ci_high,
    CAST(tau2 AS DOUBLE) AS tau2,
    CAST(difference_without_minus_with AS DOUBLE) AS difference_without_minus_with,
    CAST(q_between AS DOUBLE) AS q_between,
    CAST(df AS INTEGER) AS df,
    CAST(p_value AS DOUBLE) AS p_value,
    CAST(v2_programs AS INTEGER) AS v2_programs,
    CAST(v2_episodes AS BIGINT) AS v2_episodes
FROM source_frame;

COMMENT ON TABLE mart_care_modification IS 'Effect modification by concurrent multidisciplinary pain care (physiotherapy, pain clinic or medication review; contract v2 episodes only): iCBT minus in-person CBT, adjusted as in mart_comparisons, pooled per stratum by random effects over the programs whose stratum comparison is trustworthy, and the test for subgroup differences between the strata (Borenstein et al. 2009, ch. 19). Observational: patients with and without other care may differ in ways the case-mix adjustment does not capture.';
COMMENT ON COLUMN mart_care_modification.instrument IS 'Instrument code.';
COMMENT ON COLUMN mart_care_modification.scale IS 'Scale of the instrument.';
COMMENT ON COLUMN mart_care_modification.outcome_label IS 'Readable outcome name.';
COMMENT ON COLUMN mart_care_modification.higher_is_better IS 'Direction of the scale.';
COMMENT ON COLUMN mart_care_modification.timepoint IS 'post_treatment or follow_up.';
COMMENT ON COLUMN mart_care_modification.method IS 'dl or pm (tau^2 estimator), as in mart_pooled_effects.';
COMMENT ON COLUMN mart_care_modification.stratum IS 'with_care or without_care: v2 iCBT episodes with, or without, any concurrent multidisciplinary care; both are compared with all in-person CBT episodes.';
COMMENT ON COLUMN mart_care_modification.k IS 'Programs pooled in the stratum.';
COMMENT ON COLUMN mart_care_modification.programs IS 'Program ids pooled in the stratum.';
COMMENT ON COLUMN mart_care_modification.n_episodes IS 'iCBT episodes analysed in the stratum, over its pooled programs.';
COMMENT ON COLUMN mart_care_modification.estimate IS 'Pooled adjusted difference, iCBT minus in-person CBT, scale points in the native direction.';
COMMENT ON COLUMN mart_care_modification.se IS 'Standard error of the pooled estimate.';
COMMENT ON COLUMN mart_care_modification.ci_low IS 'Lower confidence limit at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_care_modification.ci_high IS 'Upper confidence limit at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_care_modification.tau2 IS 'Between-program variance; NULL with one program.';
COMMENT ON COLUMN mart_care_modification.difference_without_minus_with IS 'estimate without care minus estimate with care (the same on both rows): the effect modification.';
COMMENT ON COLUMN mart_care_modification.q_between IS 'Q between the two strata.';
COMMENT ON COLUMN mart_care_modification.df IS 'Degrees of freedom of the test (strata - 1).';
COMMENT ON COLUMN mart_care_modification.p_value IS 'Chi-squared p-value of the test for subgroup differences; with few programs the test has little power.';
COMMENT ON COLUMN mart_care_modification.v2_programs IS 'iCBT programs with contract v2 episodes: what the analysis rests on.';
COMMENT ON COLUMN mart_care_modification.v2_episodes IS 'iCBT episodes whose latest delivery followed contract v2.';
