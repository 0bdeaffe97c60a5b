-- Episode ids already loaded for one program: the reference set for PROM, engagement and
-- adverse-event rows.
SELECT DISTINCT episode_id FROM raw_episodes WHERE program_id = $program_id;
