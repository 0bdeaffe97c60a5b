-- Programs and in-person clinics with what the comparator hierarchy needs (province, mode).
SELECT program_id, program_name, delivery_mode, province, status, is_in_person
FROM staging_programs
ORDER BY program_id;
