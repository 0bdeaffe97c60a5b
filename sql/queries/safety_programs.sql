-- Programs under surveillance with what chooses their in-person reference: province and
-- whether the program is itself an in-person clinic.
SELECT program_id, program_name, delivery_mode, province, is_in_person
FROM staging_programs
ORDER BY program_id;
