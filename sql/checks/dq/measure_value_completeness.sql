-- Check type measure_value_completeness (completeness): rows of $table_name with $field
-- empty.
SELECT
    count(*) FILTER (WHERE COLUMNS(lambda c: c = $field) IS NULL) AS violations,
    count(*) AS denominator
FROM query_table($table_name);
