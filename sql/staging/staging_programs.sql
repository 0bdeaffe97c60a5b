-- Grain (program_id): one row per program (iCBT program or in-person CBT clinic).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of funding: contract programs.funding.
-- Accepted values of reimbursement_eligibility: contract programs.reimbursement_eligibility.
-- Accepted values of province: contract programs.province.
-- Accepted values of status: contract programs.status.
-- Latest delivery = newest period (batch_id read as a YYYY-MM date, never sorted as
-- text), then newest load (ledger_id): a late re-delivery of an older period never wins.
-- Purpose: the program registry as most recently delivered (latest batch wins), on the
-- CADTH Environmental Scan's dimensions, with therapist involvement made explicit.
CREATE OR REPLACE TABLE staging_programs AS
SELECT
    program_id,
    program_name,
    delivery_mode,
    CASE delivery_mode
        WHEN 'self_guided' THEN 'none'
        WHEN 'guided_asynchronous' THEN 'asynchronous'
        ELSE 'synchronous'
    END AS therapist_involvement,
    delivery_mode = 'in_person' AS is_in_person,
    therapist_trained_in_chronic_pain,
    length_weeks,
    module_count,
    string_split(topics, ';') AS topics,
    funding,
    reimbursement_eligibility,
    province,
    status,
    batch_id AS last_batch_id
FROM raw_programs
QUALIFY row_number() OVER (PARTITION BY program_id ORDER BY try_strptime(batch_id, '%Y-%m') DESC NULLS LAST, ledger_id DESC) = 1;

COMMENT ON TABLE staging_programs IS 'Program registry, latest delivery per program. Dimensions follow the CADTH Environmental Scan of iCBT for chronic pain (HT0037, 2022).';
COMMENT ON COLUMN staging_programs.delivery_mode IS 'self_guided, guided_asynchronous, therapist_realtime (e.g. videoconference) or in_person (the comparator).';
COMMENT ON COLUMN staging_programs.therapist_involvement IS 'none (self-guided), asynchronous (messages), synchronous (real-time or in-person sessions).';
COMMENT ON COLUMN staging_programs.topics IS 'Topics covered, as a list.';
COMMENT ON COLUMN staging_programs.last_batch_id IS 'Batch that delivered this version of the row.';
COMMENT ON COLUMN staging_programs.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN staging_programs.program_name IS 'Public name of the program or clinic, as most recently delivered (staging_programs).';
COMMENT ON COLUMN staging_programs.is_in_person IS 'True for in-person CBT clinics (delivery_mode in_person), the comparator.';
COMMENT ON COLUMN staging_programs.therapist_trained_in_chronic_pain IS 'Therapists or coaches have specific chronic-pain training (a CADTH recommendation); false for self-guided programs.';
COMMENT ON COLUMN staging_programs.length_weeks IS 'Planned program length in weeks.';
COMMENT ON COLUMN staging_programs.module_count IS 'Number of modules (lessons), or planned sessions for in-person CBT.';
COMMENT ON COLUMN staging_programs.funding IS 'Who funds delivery: public, private, mixed or research.';
COMMENT ON COLUMN staging_programs.reimbursement_eligibility IS 'How a patient''s cost can be covered: free_at_point_of_care, public_plan, private_insurance or out_of_pocket.';
COMMENT ON COLUMN staging_programs.province IS 'Province or territory of delivery, ISO 3166-2:CA code without the CA- prefix.';
COMMENT ON COLUMN staging_programs.status IS 'Availability as in the CADTH Environmental Scan: available or in_development.';
