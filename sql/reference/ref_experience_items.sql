-- Grain: one row per item of the patient-experience questionnaire (contract v2).
-- Purpose: item descriptors, answer coding and source of the NHS Talking Therapies
-- treatment Patient Experience Questionnaire items the contract carries
-- (contracts/v2/experience.json), for the experience mart and researchers.
CREATE OR REPLACE TABLE ref_experience_items AS
SELECT
    CAST(questionnaire AS VARCHAR) AS questionnaire,
    CAST(item_number AS TINYINT) AS item_number,
    CAST(item_label AS VARCHAR) AS item_label,
    CAST(answer_min AS TINYINT) AS answer_min,
    CAST(answer_max AS TINYINT) AS answer_max,
    CAST(answer_labels AS VARCHAR) AS answer_labels,
    CAST(source AS VARCHAR) AS source,
    CAST(certainty AS VARCHAR) AS certainty
FROM source_frame;

COMMENT ON TABLE ref_experience_items IS 'Items of the treatment Patient Experience Questionnaire (NHS Talking Therapies, items 1-5) in contract v2. Labels are short descriptors, not the questionnaire wording.';
COMMENT ON COLUMN ref_experience_items.questionnaire IS 'Questionnaire code (PEQ_T).';
COMMENT ON COLUMN ref_experience_items.item_number IS 'Item number, 1 to 5.';
COMMENT ON COLUMN ref_experience_items.item_label IS 'Short descriptor of the item.';
COMMENT ON COLUMN ref_experience_items.answer_min IS 'Lowest answer code (0 = never).';
COMMENT ON COLUMN ref_experience_items.answer_max IS 'Highest answer code (4 = all of the time).';
COMMENT ON COLUMN ref_experience_items.answer_labels IS 'Answer codes in order from answer_min.';
COMMENT ON COLUMN ref_experience_items.source IS 'Where the items and coding come from.';
COMMENT ON COLUMN ref_experience_items.certainty IS 'S: seen only in a secondary source; check against the primary before relying on it.';
