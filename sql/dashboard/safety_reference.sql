-- How each safety indicator's in-person expectation is made (mart_safety_reference, the
-- pooled all-in-person rows): method, parameters and source, and whether province
-- offsets apply. Counts and rates are left out: the in-person clinics' own counts are
-- shown, suppressed, in the funnel.
SELECT
    reference.indicator,
    reference.method,
    reference.parameters,
    nullif(reference.source, '') AS source,
    bool_or(offsets.shrunk_province_offset <> 0) AS province_offsets_applied
FROM mart_safety_reference AS reference
LEFT JOIN mart_safety_reference AS offsets
    ON offsets.indicator = reference.indicator AND offsets.method = 'province_offset'
WHERE reference.cohort IN ('all_in_person', 'published')
GROUP BY ALL
ORDER BY reference.indicator;
