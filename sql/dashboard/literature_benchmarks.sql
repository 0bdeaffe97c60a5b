-- The published effect sizes used as benchmarks (ref_literature_benchmarks with
-- use_as_benchmark: numbers verified in their source), one row each, with the 95% CI
-- the source published (its level, not the observatory's confidence_level) turned to the
-- improvement direction (positive = the treatment did better) like `improvement`.
-- Attributes of publications, no counts of patients here.
SELECT
    benchmark_id,
    domain,
    role,
    delivery,
    comparator,
    design,
    measure,
    timepoint,
    estimate,
    improvement,
    CASE WHEN improvement_sign < 0 THEN -ci_high ELSE ci_low END AS improvement_ci_low,
    CASE WHEN improvement_sign < 0 THEN -ci_low ELSE ci_high END AS improvement_ci_high,
    n_studies,
    n_participants,
    citation,
    evidence
FROM ref_literature_benchmarks
WHERE use_as_benchmark
ORDER BY domain, role, benchmark_id;
