-- Grain (unit_type, unit_id, item_number): one row per reporting unit (program, delivery
-- mode, all iCBT) and item of the
-- patient-experience questionnaire.
-- Purpose: what patients say of their care at discharge (NHS Talking Therapies treatment
-- Patient Experience Questionnaire, contract v2 only): per item the share of discharged
-- episodes that answered, the mean answer code and the answer distribution, with the
-- programs and episodes each figure rests on. No total score is formed: none is published.
CREATE OR REPLACE TABLE mart_patient_experience AS
WITH discharged AS (
    SELECT units.unit_type, units.unit_id, units.unit_label, units.delivery_mode, episodes.episode_id, episodes.program_id
    FROM staging_episodes AS episodes
    JOIN int_reporting_units AS units USING (episode_id)
    WHERE episodes.contract_version = 'v2' AND episodes.end_date IS NOT NULL
),
latest AS (
    -- An episode answers once, at discharge; a repeat keeps the latest administration.
    SELECT episode_id, item_number, answer
    FROM staging_patient_experience
    QUALIFY administered_date = max(administered_date) OVER (PARTITION BY episode_id)
),
cells AS (
    SELECT discharged.*, items.item_number, items.item_label, latest.answer
    FROM discharged
    CROSS JOIN ref_experience_items AS items
    LEFT JOIN latest
        ON latest.episode_id = discharged.episode_id AND latest.item_number = items.item_number
)
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    item_number,
    item_label,
    count(DISTINCT program_id) AS n_programs,
    count(*) AS n_discharged,
    count(answer) AS n_answered,
    count(answer) / count(*) AS share_answering,
    avg(answer) AS mean_answer,
    count(*) FILTER (WHERE answer = 0) AS n_never,
    count(*) FILTER (WHERE answer = 1) AS n_rarely,
    count(*) FILTER (WHERE answer = 2) AS n_sometimes,
    count(*) FILTER (WHERE answer = 3) AS n_most_of_the_time,
    count(*) FILTER (WHERE answer = 4) AS n_all_of_the_time
FROM cells
GROUP BY ALL;

COMMENT ON TABLE mart_patient_experience IS 'Patient experience at discharge per reporting unit and questionnaire item (NHS Talking Therapies treatment PEQ items 1-5; item wording and coding in ref_experience_items, source certainty S). Contract v2 episodes only: n_programs and n_discharged say how many programs and episodes each row rests on. Counts are unsuppressed: suppress 1-4 before showing.';
COMMENT ON COLUMN mart_patient_experience.unit_type IS 'program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_patient_experience.unit_id IS 'program_id, the delivery mode, or all_icbt.';
COMMENT ON COLUMN mart_patient_experience.unit_label IS 'Readable unit name.';
COMMENT ON COLUMN mart_patient_experience.delivery_mode IS 'Delivery mode of the unit; NULL for all_icbt.';
COMMENT ON COLUMN mart_patient_experience.item_number IS 'Questionnaire item, 1 to 5.';
COMMENT ON COLUMN mart_patient_experience.item_label IS 'Short descriptor of the item (not its wording).';
COMMENT ON COLUMN mart_patient_experience.n_programs IS 'Programs with contract v2 discharged episodes in the unit.';
COMMENT ON COLUMN mart_patient_experience.n_discharged IS 'Episodes whose latest delivery followed contract v2 and that have ended (the denominator of share_answering).';
COMMENT ON COLUMN mart_patient_experience.n_answered IS 'Discharged episodes that answered the item.';
COMMENT ON COLUMN mart_patient_experience.share_answering IS 'n_answered / n_discharged.';
COMMENT ON COLUMN mart_patient_experience.mean_answer IS 'Mean answer code among those answering: 0 never, 1 rarely, 2 sometimes, 3 most of the time, 4 all of the time.';
COMMENT ON COLUMN mart_patient_experience.n_never IS 'Answers 0, never.';
COMMENT ON COLUMN mart_patient_experience.n_rarely IS 'Answers 1, rarely.';
COMMENT ON COLUMN mart_patient_experience.n_sometimes IS 'Answers 2, sometimes.';
COMMENT ON COLUMN mart_patient_experience.n_most_of_the_time IS 'Answers 3, most of the time.';
COMMENT ON COLUMN mart_patient_experience.n_all_of_the_time IS 'Answers 4, all of the time.';
