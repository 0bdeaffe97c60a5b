-- Every data-quality check's latest result, re-evaluated against the current thresholds
-- (the view dq_check_status): counts, threshold, status, severity and notes.
SELECT
    check_id,
    check_type,
    category,
    table_name,
    field_name,
    num_violated_rows,
    num_denominator_rows,
    pct_violated_rows,
    threshold_pct,
    status,
    status_when_run,
    severity,
    notes,
    error,
    executed_at
FROM dq_check_status
ORDER BY category, table_name, check_id;
