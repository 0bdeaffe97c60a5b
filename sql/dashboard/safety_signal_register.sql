-- Every row of safety_signal_register (one per signal: program, indicator, method and
-- opening month), with the program's name and delivery mode. Evidence counts are cast to
-- integers so they can be suppressed like every other count. Newest signals first.
SELECT
    register.signal_id,
    register.signal_number,
    register.program_id,
    programs.program_name,
    programs.delivery_mode,
    register.indicator,
    register.indicator_label,
    register.severe,
    register.method,
    register.opened_month,
    register.status,
    register.resolved_month,
    register.as_of_month,
    register.latest_month,
    CAST(register.opened_n AS BIGINT) AS opened_n,
    CAST(round(register.opened_observed) AS BIGINT) AS opened_observed,
    register.opened_expected,
    register.opened_statistic,
    register.opened_threshold,
    CAST(register.latest_n AS BIGINT) AS latest_n,
    CAST(round(register.latest_observed) AS BIGINT) AS latest_observed,
    register.latest_expected,
    register.latest_statistic,
    register.latest_threshold
FROM safety_signal_register AS register
LEFT JOIN staging_programs AS programs USING (program_id)
ORDER BY register.opened_month DESC, register.signal_number DESC;
