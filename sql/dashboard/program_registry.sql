-- The program registry (staging_programs, latest delivery per program) on the CADTH
-- Environmental Scan's dimensions: one row per program. Attributes only, no counts.
SELECT
    program_id,
    program_name,
    delivery_mode,
    therapist_involvement,
    therapist_trained_in_chronic_pain,
    length_weeks,
    module_count,
    topics,
    funding,
    reimbursement_eligibility,
    province,
    status
FROM staging_programs
ORDER BY program_id;
