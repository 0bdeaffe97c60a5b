-- Removes what an earlier delivery of one program, batch and table loaded, so that a
-- corrected re-delivery replaces it. Runs inside the load's transaction. Each DELETE
-- applies only to the table named by $table_name.
DELETE FROM raw_programs WHERE $table_name = 'programs' AND program_id = $program_id AND batch_id = $batch_id;
DELETE FROM raw_episodes WHERE $table_name = 'episodes' AND program_id = $program_id AND batch_id = $batch_id;
DELETE FROM raw_prom_responses WHERE $table_name = 'prom_responses' AND program_id = $program_id AND batch_id = $batch_id;
DELETE FROM raw_engagement_events WHERE $table_name = 'engagement_events' AND program_id = $program_id AND batch_id = $batch_id;
DELETE FROM raw_adverse_events WHERE $table_name = 'adverse_events' AND program_id = $program_id AND batch_id = $batch_id;
DELETE FROM ingest_quarantine WHERE table_name = $table_name AND program_id = $program_id AND batch_id = $batch_id;
UPDATE ingest_load_ledger SET superseded_at = $now
WHERE table_name = $table_name AND program_id = $program_id AND batch_id = $batch_id AND superseded_at IS NULL;
