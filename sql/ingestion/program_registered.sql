-- Whether a program has delivered its programs row (in any batch): episodes of a program
-- that is not in the registry are quarantined.
SELECT count(*) > 0 FROM raw_programs WHERE program_id = $program_id;
