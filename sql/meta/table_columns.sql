-- Columns of one warehouse table, in order, with their comments.
SELECT column_name, data_type, comment
FROM duckdb_columns()
WHERE table_name = $table_name AND schema_name = 'main'
ORDER BY column_index;
