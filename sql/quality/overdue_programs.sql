-- Programs whose last accepted delivery is older than their cadence plus grace.
SELECT program_id, days_since_delivery, cadence_days, grace_days
FROM dq_freshness
WHERE status = 'overdue'
ORDER BY program_id;
