-- Removes what an earlier delivery of one program and batch loaded into raw_programs, with
-- its quarantine, and marks its ledger entries superseded, so that a corrected
-- re-delivery replaces it. Runs inside the load's transaction.
DELETE FROM raw_programs WHERE program_id = $program_id AND batch_id = $batch_id;
DELETE FROM ingest_quarantine
WHERE table_name = 'programs' AND program_id = $program_id AND batch_id = $batch_id;
UPDATE ingest_load_ledger SET superseded_at = $now
WHERE table_name = 'programs' AND program_id = $program_id AND batch_id = $batch_id
  AND superseded_at IS NULL;
