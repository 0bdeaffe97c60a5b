-- Grain (comparison_id, covariate): one row per comparison and case-mix level (or the
-- baseline score).
-- Purpose: covariate balance before and after overlap weighting, the detail behind the
-- balance diagnostic (CohortMethod computeCovariateBalance).
CREATE OR REPLACE TABLE mart_covariate_balance AS
SELECT
    CAST(comparison_id AS VARCHAR) AS comparison_id,
    CAST(covariate AS VARCHAR) AS covariate,
    CAST(in_outcome_model AS BOOLEAN) AS in_outcome_model,
    CAST(program_mean_before AS DOUBLE) AS program_mean_before,
    CAST(comparator_mean_before AS DOUBLE) AS comparator_mean_before,
    CAST(program_mean_after AS DOUBLE) AS program_mean_after,
    CAST(comparator_mean_after AS DOUBLE) AS comparator_mean_after,
    CAST(smd_before AS DOUBLE) AS smd_before,
    CAST(smd_after AS DOUBLE) AS smd_after
FROM source_frame;

COMMENT ON TABLE mart_covariate_balance IS 'Balance of every case-mix level and the baseline score between program and comparator, before and after overlap weighting (means are shares for levels). SMD denominators use the unweighted arms both times (Austin 2009).';
COMMENT ON COLUMN mart_covariate_balance.covariate IS 'column=level for case-mix indicators, or baseline_score.';
COMMENT ON COLUMN mart_covariate_balance.in_outcome_model IS 'Also adjusted for in the ANCOVA (baseline score, age band, sex, rurality); the others are balanced by weighting only.';
COMMENT ON COLUMN mart_covariate_balance.smd_after IS 'Standardised difference after weighting; the balance diagnostic requires |smd_after| at most ref_effectiveness_thresholds max_abs_smd for every row.';
COMMENT ON COLUMN mart_covariate_balance.comparison_id IS 'Joins mart_comparisons.comparison_id.';
COMMENT ON COLUMN mart_covariate_balance.program_mean_before IS 'Unweighted program mean (a share for levels).';
COMMENT ON COLUMN mart_covariate_balance.comparator_mean_before IS 'Unweighted comparator mean.';
COMMENT ON COLUMN mart_covariate_balance.program_mean_after IS 'Overlap-weighted program mean.';
COMMENT ON COLUMN mart_covariate_balance.comparator_mean_after IS 'Overlap-weighted comparator mean.';
COMMENT ON COLUMN mart_covariate_balance.smd_before IS 'Standardised difference before weighting.';
