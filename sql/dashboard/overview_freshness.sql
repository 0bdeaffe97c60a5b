-- Data freshness per program (dq_freshness: days since the last accepted delivery
-- against the expected cadence and grace, judged when the warehouse was built), with the
-- program's name and delivery mode, and the snapshot's publication and last load times
-- from meta_publication.
SELECT
    freshness.program_id,
    programs.program_name,
    programs.delivery_mode,
    freshness.latest_batch_id,
    freshness.last_delivery_at,
    freshness.days_since_delivery,
    freshness.cadence_days,
    freshness.grace_days,
    freshness.cadence_days + freshness.grace_days AS overdue_after_days,
    freshness.status,
    freshness.evaluated_on,
    publication.published_at,
    publication.last_load_at
FROM dq_freshness AS freshness
LEFT JOIN staging_programs AS programs USING (program_id)
CROSS JOIN meta_publication AS publication
ORDER BY freshness.program_id;
