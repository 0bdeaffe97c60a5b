-- Whether a table or view exists in the warehouse (a check on a missing table is not
-- applicable).
SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = $table_name AND schema_name = 'main';
