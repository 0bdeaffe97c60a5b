-- The named numbers of the reference tables, one row per number: the configured
-- thresholds (each with its source in the ref_* table) that "About this chart" quotes
-- from the snapshot it describes, so a chart note never types a threshold again.
SELECT 'ref_safety_policy' AS table_name, name, value
FROM ref_safety_policy
UNION ALL
SELECT 'ref_effectiveness_thresholds', name, value
FROM ref_effectiveness_thresholds
UNION ALL
SELECT 'ref_delivery_cadence', 'cadence_days', cadence_days
FROM ref_delivery_cadence
WHERE program_id IS NULL
UNION ALL
SELECT 'ref_delivery_cadence', 'grace_days', grace_days
FROM ref_delivery_cadence
WHERE program_id IS NULL
ORDER BY table_name, name;
