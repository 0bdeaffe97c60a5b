-- Grain (episode_id, administered_date, item_number): one row per episode, administration
-- date and Patient Experience Questionnaire item.
-- Latest delivery = newest period (batch_id read as a YYYY-MM date, never sorted as
-- text), then newest load (ledger_id): a late re-delivery of an older period never wins.
-- Purpose: patient-experience answers at discharge (contract v2) of known episodes,
-- deduplicated across batches.
CREATE OR REPLACE TABLE staging_patient_experience AS
SELECT
    experience.episode_id,
    experience.program_id,
    experience.administered_date,
    experience.item_number,
    experience.answer
FROM raw_patient_experience AS experience
SEMI JOIN staging_episodes USING (episode_id)
QUALIFY row_number() OVER (
    PARTITION BY experience.episode_id, experience.administered_date, experience.item_number
    ORDER BY try_strptime(experience.batch_id, '%Y-%m') DESC NULLS LAST, experience.ledger_id DESC
) = 1;

COMMENT ON TABLE staging_patient_experience IS 'NHS Talking Therapies treatment Patient Experience Questionnaire answers (items 1-5, contract v2), long form, deduplicated across batches. Item descriptors and answer codes: contracts/v2/experience.json.';
COMMENT ON COLUMN staging_patient_experience.episode_id IS 'Keyed hash of the program''s episode key.';
COMMENT ON COLUMN staging_patient_experience.program_id IS 'Program code.';
COMMENT ON COLUMN staging_patient_experience.administered_date IS 'Date the questionnaire was completed.';
COMMENT ON COLUMN staging_patient_experience.item_number IS 'PEQ treatment item, 1 to 5.';
COMMENT ON COLUMN staging_patient_experience.answer IS '0 never, 1 rarely, 2 sometimes, 3 most of the time, 4 all of the time; NULL = not answered or not applicable.';
