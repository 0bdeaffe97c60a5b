-- Every row of mart_engagement_funnel: one per reporting unit (program, delivery mode,
-- all iCBT) and period (referral quarter or 'all'), in a fixed order so complementary
-- suppression breaks ties the same way on every run.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    period,
    n_referred,
    n_enrolled,
    n_started,
    n_half_modules,
    n_completed,
    n_started_and_ended,
    completion_rate
FROM mart_engagement_funnel
ORDER BY unit_type, unit_id, period;
