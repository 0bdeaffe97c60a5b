-- Grain (comparison_id, diagnostic): one row per comparison and diagnostic.
-- Purpose: the diagnostics that gate each comparison's verdict, as OHDSI CohortMethod
-- does: sample size, residual variance, covariate balance, equipoise, minimum detectable
-- difference, availability of a non-inferiority margin (and, for benchmark-only rows,
-- the missing in-person cohort), with value, threshold and source.
CREATE OR REPLACE TABLE mart_comparison_diagnostics AS
SELECT
    CAST(comparison_id AS VARCHAR) AS comparison_id,
    CAST(diagnostic AS VARCHAR) AS diagnostic,
    CAST(status AS VARCHAR) AS status,
    CAST(value AS DOUBLE) AS value,
    CAST(threshold AS DOUBLE) AS threshold,
    CAST(detail AS VARCHAR) AS detail,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE mart_comparison_diagnostics IS 'Diagnostics of each comparison in mart_comparisons (join on comparison_id). A verdict is shown only when none has status fail. Thresholds and sources: ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparison_diagnostics.status IS 'pass, fail or not_applicable (not estimated, or nothing to compare with).';
COMMENT ON COLUMN mart_comparison_diagnostics.value IS 'sample_size: smaller arm; outcome_variance: SE; covariate_balance: max |SMD| after weighting; equipoise: share in equipoise; minimum_detectable_difference: MDD in points; noninferiority_margin: the margin.';
COMMENT ON COLUMN mart_comparison_diagnostics.threshold IS 'The limit value is judged against (NULL where none applies).';
COMMENT ON COLUMN mart_comparison_diagnostics.comparison_id IS 'Joins mart_comparisons.comparison_id.';
COMMENT ON COLUMN mart_comparison_diagnostics.diagnostic IS 'sample_size, outcome_variance, covariate_balance, equipoise, minimum_detectable_difference, noninferiority_margin, or in_person_cohort (benchmark-only rows).';
COMMENT ON COLUMN mart_comparison_diagnostics.detail IS 'What was measured, e.g. the covariate with the largest SMD after weighting.';
COMMENT ON COLUMN mart_comparison_diagnostics.source IS 'Published source of the threshold (ref_effectiveness_thresholds).';
