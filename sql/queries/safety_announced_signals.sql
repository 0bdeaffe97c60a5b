-- Signals that were open when first recorded, in recording order: what the alert sensor
-- hands to the notifier (aggregate evidence only; no patient-level data).
SELECT
    signal_id,
    signal_number,
    program_id,
    indicator,
    indicator_label,
    severe,
    method,
    opened_month,
    status,
    opened_n,
    opened_observed,
    opened_expected,
    opened_statistic,
    opened_threshold,
    first_recorded_at
FROM safety_signal_register
WHERE announce
ORDER BY signal_number;
