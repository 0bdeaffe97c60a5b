-- One row per table of a snapshot, by name: what `icbt snapshots` counts rows of.
SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main'
ORDER BY table_name;
