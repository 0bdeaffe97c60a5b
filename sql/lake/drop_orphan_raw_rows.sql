-- Rows of a program's lake files that no current ledger entry accounts for: a run killed
-- after writing a batch's raw file and before writing the ledger leaves them. The file is
-- loaded again (the ledger does not know it), so its earlier rows are dropped first and
-- no episode is counted twice.
DELETE FROM raw_programs
WHERE ledger_id NOT IN (SELECT ledger_id FROM ingest_load_ledger WHERE superseded_at IS NULL);
DELETE FROM raw_episodes
WHERE ledger_id NOT IN (SELECT ledger_id FROM ingest_load_ledger WHERE superseded_at IS NULL);
