-- Primary comparisons without exactly one certainty row (violations), out of all primary
-- comparisons.
SELECT
    count(*) FILTER (coalesce(rated.n, 0) <> 1) AS violations,
    count(*) AS denominator
FROM mart_comparisons AS comparisons
LEFT JOIN (
    SELECT evidence_id, count(*) AS n FROM mart_evidence_certainty GROUP BY evidence_id
) AS rated ON rated.evidence_id = comparisons.comparison_id
WHERE comparisons.is_primary;
