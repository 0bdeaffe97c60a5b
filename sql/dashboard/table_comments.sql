-- The COMMENT ON text of every warehouse table, one row per table: the pipeline's own
-- statement of what each table holds and how it is computed, shown in "About this
-- chart". Read once per published snapshot and cached with it.
SELECT table_name, comment
FROM duckdb_tables()
WHERE database_name = current_database()
  AND schema_name = 'main'
ORDER BY table_name;
