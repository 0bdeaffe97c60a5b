-- Item responses of one program, in the shape the scorer takes.
SELECT episode_id, instrument, administered_date, item_number, value
FROM staging_prom_responses
WHERE program_id = $program_id;
