-- Program, batch and table combinations with a current delivery: only these need the
-- earlier delivery removed before a new one loads. One row, one list, fully fetched.
SELECT list(DISTINCT {'program_id': program_id, 'batch_id': batch_id, 'table_name': table_name})
FROM ingest_load_ledger
WHERE superseded_at IS NULL;
