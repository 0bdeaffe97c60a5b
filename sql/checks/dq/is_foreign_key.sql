-- Check type is_foreign_key (conformance, relational): rows of $table_name whose $field
-- has no match in $ref_field of $ref_table. Rows with $field empty do not count.
WITH child AS (
    SELECT COLUMNS(lambda c: c = $field) AS value FROM query_table($table_name)
),
parent AS (
    SELECT DISTINCT COLUMNS(lambda c: c = $ref_field) AS value FROM query_table($ref_table)
)
SELECT
    count(*) FILTER (WHERE parent.value IS NULL) AS violations,
    count(*) AS denominator
FROM child
LEFT JOIN parent ON child.value = parent.value
WHERE child.value IS NOT NULL;
