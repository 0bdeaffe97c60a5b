-- Grain (instrument, scale, timepoint, method): one row per change outcome, timepoint and
-- random-effects method.
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: does the difference from in-person CBT depend on the delivery mode? The test
-- for subgroup differences across the delivery-mode pooled estimates.
CREATE OR REPLACE TABLE mart_subgroup_tests AS
SELECT
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(method AS VARCHAR) AS method,
    CAST(groups AS INTEGER) AS groups,
    CAST(q_between AS DOUBLE) AS q_between,
    CAST(df AS INTEGER) AS df,
    CAST(p_value AS DOUBLE) AS p_value
FROM source_frame;

COMMENT ON TABLE mart_subgroup_tests IS 'Test for subgroup differences by delivery mode: Q_between = sum of (mode estimate - their weighted mean)^2 / SE^2 over the mode subgroups of mart_pooled_effects (each with its own tau^2), chi-squared with groups - 1 df (Borenstein et al. 2009, ch. 19).';
COMMENT ON COLUMN mart_subgroup_tests.p_value IS 'Chi-squared p-value; with few programs per mode the test has little power, so a large p-value is not evidence of no difference.';
COMMENT ON COLUMN mart_subgroup_tests.instrument IS 'Instrument code.';
COMMENT ON COLUMN mart_subgroup_tests.scale IS 'Scale of the instrument.';
COMMENT ON COLUMN mart_subgroup_tests.outcome_label IS 'Readable outcome name.';
COMMENT ON COLUMN mart_subgroup_tests.timepoint IS 'post_treatment or follow_up.';
COMMENT ON COLUMN mart_subgroup_tests.method IS 'dl or pm, as in mart_pooled_effects.';
COMMENT ON COLUMN mart_subgroup_tests.groups IS 'Delivery modes with at least one pooled program.';
COMMENT ON COLUMN mart_subgroup_tests.q_between IS 'Q between subgroups.';
COMMENT ON COLUMN mart_subgroup_tests.df IS 'groups - 1.';
