-- The most repeated key values of a table ($table_name, key columns $key), at most $limit,
-- each as JSON with the number of rows that share it: what a failed grain check shows.
-- Run only for tables whose key names no person (pipelines/quality/grain.py).
SELECT
    to_json(struct_pack(*COLUMNS($key))) AS key_value,
    count(*) AS n_rows
FROM query_table($table_name)
GROUP BY ALL
HAVING count(*) > 1
ORDER BY n_rows DESC, key_value
LIMIT $limit;
