-- Every value of a reference table's column ($column_name of $table_name, a ref_* table
-- loaded from config/ or the contract): the accepted values of a column that uses its codes.
WITH codes AS (
    SELECT COLUMNS([$column_name])::VARCHAR AS code FROM query_table($table_name)
)
SELECT coalesce(list(DISTINCT code ORDER BY code), []) AS accepted
FROM codes;
