-- Generic grain check, as dbt's `unique` and `not_null` tests on a compound key: how many
-- rows the table has, how many key values occur on more than one row (and on how many rows
-- together; an empty key column counts as a value of its own), and how many rows leave a
-- required key column empty. The table and its columns are parameters ($table_name, $key,
-- $required), resolved by query_table and COLUMNS, so this one query serves every table.
WITH keys AS (
    SELECT COLUMNS($key) FROM query_table($table_name)
),
required_empty AS (
    SELECT COLUMNS($required) IS NULL FROM query_table($table_name)
),
duplicates AS (
    SELECT COLUMNS(*), count(*) AS n_rows FROM keys GROUP BY ALL HAVING count(*) > 1
)
SELECT
    (SELECT count(*) FROM keys) AS row_count,
    (SELECT count(*) FROM duplicates) AS duplicate_keys,
    (SELECT coalesce(sum(n_rows), 0) FROM duplicates) AS duplicated_rows,
    (SELECT count(*) FILTER (WHERE greatest(*COLUMNS(*))) FROM required_empty) AS null_key_rows;
