-- Grain: one row per safety indicator and in-person reference cohort.
-- Purpose: where each expected rate comes from: the in-person cohort, its size and
-- events, and the fitted case-mix model (or the crude or published rate used instead).
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
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE mart_safety_reference IS 'In-person reference cohorts of the safety indicators. method: logistic (case-mix model, enough events per variable), crude (cohort rate), published (fallback rate from the literature, no in-person data) or none (too few events to compare). Counts are unsuppressed.';
COMMENT ON COLUMN mart_safety_reference.cohort IS 'all_in_person, in_person_<province> (a local cohort) or published.';
COMMENT ON COLUMN mart_safety_reference.coefficients IS 'Log-odds coefficients of the logistic model: intercept, age band index, female, rural, remote, baseline severity (and baseline item 9 for item 9).';
