-- Every row of mart_stop_reasons: one row per reporting unit, breakdown, group and reason.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    breakdown,
    group_value,
    stop_reason,
    n_stopped,
    n_not_started,
    n_dropped_out,
    n_stopped_in_group,
    n_recorded_in_group,
    share_of_recorded,
    n_programs,
    n_v2_episodes
FROM mart_stop_reasons
ORDER BY unit_type, unit_id, breakdown, group_value, stop_reason;
