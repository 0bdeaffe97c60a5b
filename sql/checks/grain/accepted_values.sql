-- Generic check, as dbt's `accepted_values` test: of a column's non-empty values
-- ($column_name of $table_name), how many are not in the accepted list ($accepted, read
-- from the data contract or a reference table), and the first $limit of them.
WITH checked AS (
    SELECT COLUMNS([$column_name])::VARCHAR AS value FROM query_table($table_name)
)
SELECT
    count(value) AS checked_rows,
    count(value) FILTER (WHERE NOT list_contains($accepted, value)) AS unaccepted_rows,
    coalesce(
        list(DISTINCT value ORDER BY value) FILTER (WHERE NOT list_contains($accepted, value)),
        []
    )[1:$limit] AS unaccepted_values
FROM checked;
