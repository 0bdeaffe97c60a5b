-- Grain (indicator, cohort): one row per safety indicator and reference: the pooled
-- in-person model, and each province's in-person clinics.
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: where each expected rate comes from: the in-person cohort, its size and
-- events, the fitted case-mix model (or the crude or published rate used instead), and
-- the shrunk province offsets that make the reference local.
CREATE OR REPLACE TABLE mart_safety_reference AS
SELECT
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(cohort AS VARCHAR) AS cohort,
    CAST(method AS VARCHAR) AS method,
    CAST(units AS BIGINT) AS units,
    CAST(events AS BIGINT) AS events,
    CAST(crude_rate AS DOUBLE) AS crude_rate,
    CAST(parameters AS BIGINT) AS parameters,
    CAST(coefficients AS JSON) AS coefficients,
    CAST(province_offset AS DOUBLE) AS province_offset,
    CAST(province_offset_se AS DOUBLE) AS province_offset_se,
    CAST(shrunk_province_offset AS DOUBLE) AS shrunk_province_offset,
    CAST(between_province_variance AS DOUBLE) AS between_province_variance,
    CAST(shrunk_province_offset_se AS DOUBLE) AS shrunk_province_offset_se,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE mart_safety_reference IS 'In-person references of the safety indicators. For all_in_person, method is logistic (full case-mix model, with at least ref_safety_policy expected.events_per_variable events per parameter), severity (baseline severity only), crude (cohort rate), published (fallback rate from the literature, no in-person unit at all) or none (fewer events than the minimum: not compared). province_offset rows move the pooled model to one province''s clinics for iCBT programs of that province, shrunk by the between-province variance. Counts are unsuppressed.';
COMMENT ON COLUMN mart_safety_reference.cohort IS 'all_in_person (the pooled model), in_person_<province> (that province''s clinics) or published.';
COMMENT ON COLUMN mart_safety_reference.coefficients IS 'Log-odds coefficients: intercept, then age band index, female, rural, remote and baseline severity (and the baseline item-9 answer for item 9), as fitted.';
COMMENT ON COLUMN mart_safety_reference.province_offset IS 'Log-odds the province''s clinics lie above (positive) or below the pooled model, by maximum likelihood.';
COMMENT ON COLUMN mart_safety_reference.shrunk_province_offset IS 'province_offset shrunk towards 0 by between_province_variance / (between_province_variance + province_offset_se^2) (empirical Bayes): the offset actually applied to the province''s iCBT programs.';
COMMENT ON COLUMN mart_safety_reference.between_province_variance IS 'DerSimonian-Laird estimate of the variance of true province offsets; 0 when provinces differ no more than chance.';
COMMENT ON COLUMN mart_safety_reference.shrunk_province_offset_se IS 'Posterior standard error of the shrunk offset given between_province_variance (empirical Bayes: sqrt(tau^2 se^2 / (tau^2 + se^2))); 0 when the offset is shrunk to 0.';
COMMENT ON COLUMN mart_safety_reference.source IS 'The publication or policy the row''s numbers come from, with its evidence mark where config gives one.';
COMMENT ON COLUMN mart_safety_reference.indicator IS 'Safety indicator code of ref_safety_indicators (e.g. phq9_reliable_deterioration, serious_adverse_event, item9_follow_up_breach).';
COMMENT ON COLUMN mart_safety_reference.method IS 'logistic, severity, crude, published or none for the all_in_person row; province_offset for a province''s row.';
COMMENT ON COLUMN mart_safety_reference.units IS 'In-person units the reference was fitted on. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_reference.events IS 'Events among them. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_safety_reference.crude_rate IS 'events / units.';
COMMENT ON COLUMN mart_safety_reference.parameters IS 'Parameters of the fitted model (intercept included); the events-per-parameter rule is ref_safety_policy expected.events_per_variable.';
COMMENT ON COLUMN mart_safety_reference.province_offset_se IS 'Standard error of province_offset.';
