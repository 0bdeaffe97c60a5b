-- Each program appears once.
SELECT count(*) - count(DISTINCT program_id) AS violations, count(*) AS denominator
FROM staging_programs;
