-- Every row of mart_safety_funnel (one per indicator, program and window end month),
-- with the program's name and delivery mode and the window's observed and expected
-- rates (events per unit judged), in a fixed order.
SELECT
    funnel.indicator,
    funnel.program_id,
    programs.program_name,
    programs.delivery_mode,
    funnel.month,
    funnel.window_start,
    funnel.n,
    funnel.observed,
    funnel.expected,
    funnel.observed / nullif(funnel.n, 0) AS observed_rate,
    funnel.expected / nullif(funnel.n, 0) AS expected_rate,
    funnel.ratio,
    funnel.z,
    funnel.phi,
    funnel.tau2,
    funnel.programs_compared,
    funnel.overdispersion_applied,
    funnel.alert_low,
    funnel.alert_high,
    funnel.alarm_low,
    funnel.alarm_high,
    funnel.alert_low_dispersed,
    funnel.alert_high_dispersed,
    funnel.alarm_low_dispersed,
    funnel.alarm_high_dispersed,
    funnel.signal_threshold,
    funnel.above_alert,
    funnel.alarm
FROM mart_safety_funnel AS funnel
LEFT JOIN staging_programs AS programs USING (program_id)
ORDER BY funnel.indicator, funnel.month, funnel.program_id;
