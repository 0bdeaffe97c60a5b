-- Grain: one row per lake table column whose DDL declares a default.
-- Purpose: what a column added to a raw or ingest table means for rows written to the
-- lake before it existed (read from the DDL in sql/ingestion/create_*.sql), so files of
-- an earlier version keep loading with that value instead of NULL.
SELECT table_name, column_name, column_default
FROM duckdb_columns()
WHERE column_default IS NOT NULL AND NOT internal
ORDER BY table_name, column_index;
