-- Every row of mart_therapist_time: therapist minutes per started episode, one row per
-- reporting unit.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    n_started,
    total_therapist_minutes,
    therapist_minutes_mean,
    therapist_minutes_p25,
    therapist_minutes_median,
    therapist_minutes_p75,
    therapist_messages_mean,
    live_sessions_mean,
    modules_completed_mean
FROM mart_therapist_time
ORDER BY unit_type, unit_id;
