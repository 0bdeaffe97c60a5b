-- Comparisons with a verdict and failed diagnostics, or with neither (violations), out of
-- all comparisons: every row must carry exactly one of the two.
SELECT
    count(*) FILTER ((verdict IS NULL) = (len(diagnostics_failed) = 0)) AS violations,
    count(*) AS denominator
FROM mart_comparisons;
