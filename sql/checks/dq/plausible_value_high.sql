-- Check type plausible_value_high (plausibility): rows of $table_name whose $field is
-- above $high. Rows with $field empty do not count.
SELECT
    count(*) FILTER (WHERE COLUMNS(lambda c: c = $field) > $high) AS violations,
    count(*) FILTER (WHERE COLUMNS(lambda c: c = $field) IS NOT NULL) AS denominator
FROM query_table($table_name);
