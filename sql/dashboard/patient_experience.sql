-- Every row of mart_patient_experience: one row per reporting unit and questionnaire item.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    item_number,
    item_label,
    n_programs,
    n_discharged,
    n_answered,
    share_answering,
    mean_answer,
    n_never,
    n_rarely,
    n_sometimes,
    n_most_of_the_time,
    n_all_of_the_time
FROM mart_patient_experience
ORDER BY unit_type, unit_id, item_number;
