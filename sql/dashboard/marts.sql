-- Names of the marts in the published snapshot, for /health.
SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database()
  AND schema_name = 'main'
  AND starts_with(table_name, 'mart_')
ORDER BY table_name;
