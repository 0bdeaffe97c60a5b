-- The COMMENT ON text of one warehouse table: the pipeline's own statement of what the
-- table holds and how it is computed, shown in "About this chart".
SELECT comment
FROM duckdb_tables()
WHERE database_name = current_database()
  AND schema_name = 'main'
  AND table_name = $table_name;
