-- Per-column null share and approximate distinct count of one table (no values).
SELECT column_name, null_percentage, approx_unique
FROM (SUMMARIZE SELECT * FROM query_table($table_name));
