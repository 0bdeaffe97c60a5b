-- Every row of mart_wait_times: one per reporting unit, period and waiting-time standard,
-- with the standard's source from ref_waiting_time_standards for "About this chart".
SELECT
    waits.unit_type,
    waits.unit_id,
    waits.unit_label,
    waits.delivery_mode,
    waits.period,
    waits.standard,
    waits.standard_days,
    waits.target_share,
    standards.source AS standard_source,
    waits.n_started,
    waits.n_within_standard,
    waits.share_within_standard,
    waits.wait_days_p25,
    waits.wait_days_median,
    waits.wait_days_p75
FROM mart_wait_times AS waits
LEFT JOIN ref_waiting_time_standards AS standards USING (standard)
ORDER BY waits.unit_type, waits.unit_id, waits.period, waits.standard_days;
