-- Benchmarks shown beside comparisons that are not evidence V (violations), out of all
-- benchmarks shown.
WITH shown AS (
    SELECT benchmark_in_person_id AS benchmark_id FROM mart_comparisons
    UNION ALL SELECT benchmark_internet_id FROM mart_comparisons
    UNION ALL SELECT benchmark_routine_care_id FROM mart_comparisons
)
SELECT
    count(*) FILTER (benchmarks.use_as_benchmark IS DISTINCT FROM true) AS violations,
    count(*) AS denominator
FROM shown
LEFT JOIN ref_literature_benchmarks AS benchmarks USING (benchmark_id)
WHERE shown.benchmark_id IS NOT NULL;
