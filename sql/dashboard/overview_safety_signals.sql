-- Open safety signals (status new or ongoing) in safety_signal_register, one row per
-- program and indicator: how many are open (CUSUM and funnel signals counted
-- separately), since when, and whether the indicator is severe. Signals are counted,
-- not patients: no evidence counts are read.
SELECT
    signals.program_id,
    programs.program_name,
    programs.delivery_mode,
    signals.indicator,
    any_value(signals.indicator_label) AS indicator_label,
    bool_or(signals.severe) AS severe,
    count(*) AS open_signals,
    count(*) FILTER (WHERE signals.status = 'new') AS new_signals,
    string_agg(DISTINCT signals.method, ', ' ORDER BY signals.method) AS methods,
    min(signals.opened_month) AS first_opened_month
FROM safety_signal_register AS signals
LEFT JOIN staging_programs AS programs USING (program_id)
WHERE signals.status IN ('new', 'ongoing')
GROUP BY signals.program_id, programs.program_name, programs.delivery_mode, signals.indicator
ORDER BY signals.program_id, signals.indicator;
