-- Every row of mart_safety_cusum (one per indicator, program and month) with the
-- program's name and delivery mode. `observed` is read only to decide which values of
-- the chart can be drawn (dashboards/marts/); it is never shown. Months in order.
SELECT
    cusum.indicator,
    cusum.program_id,
    programs.program_name,
    programs.delivery_mode,
    cusum.month,
    cusum.observed,
    cusum.statistic,
    cusum.threshold,
    cusum.simulated_arl_months,
    cusum.alarm,
    cusum.in_signal
FROM mart_safety_cusum AS cusum
LEFT JOIN staging_programs AS programs USING (program_id)
ORDER BY cusum.indicator, cusum.program_id, cusum.month;
