-- The last day the delivered data cover: the latest PROM, engagement or adverse-event
-- date. Surveillance is evaluated up to the month that contains it.
SELECT greatest(
    (SELECT max(administered_date) FROM staging_prom_responses),
    (SELECT max(CAST(event_timestamp AS DATE)) FROM staging_engagement_events),
    (SELECT max(event_date) FROM staging_adverse_events)
) AS data_end;
