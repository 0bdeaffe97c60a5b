-- Removes what an earlier delivery of one program and batch loaded into
-- raw_patient_experience, with its quarantine, and marks its ledger entries superseded, so that a corrected
-- re-delivery replaces it. Runs inside the load's transaction.
DELETE FROM raw_patient_experience WHERE program_id = $program_id AND batch_id = $batch_id;
DELETE FROM ingest_quarantine
WHERE table_name = 'patient_experience' AND program_id = $program_id AND batch_id = $batch_id;
UPDATE ingest_load_ledger SET superseded_at = $now
WHERE table_name = 'patient_experience' AND program_id = $program_id AND batch_id = $batch_id
  AND superseded_at IS NULL;
