-- Check type is_primary_key (conformance): rows of $table_name that repeat an earlier
-- row's values of the columns listed in $fields.
SELECT
    count(*) - count(DISTINCT row(*COLUMNS(lambda c: list_contains($fields, c)))) AS violations,
    count(*) AS denominator
FROM query_table($table_name);
