-- Whether a table or view exists in the warehouse (a check on a missing table is not
-- applicable). Lake tables are temporary views of the national run's connection.
SELECT count(*) > 0
FROM (
    SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'
    UNION ALL
    SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal
)
WHERE table_name = $table_name;
