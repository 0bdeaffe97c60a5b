-- Programs that have PROM responses, so scoring can proceed one program at a time.
SELECT DISTINCT program_id FROM staging_prom_responses ORDER BY program_id;
