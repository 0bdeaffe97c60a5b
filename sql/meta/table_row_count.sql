-- Row count of one warehouse table, named by parameter.
SELECT count(*) FROM query_table($table_name);
