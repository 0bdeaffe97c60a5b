-- The rows of mart_item9_follow_up the Safety page shows: every trigger type together,
-- met, breached and pending, per reporting unit, in a fixed order so complementary
-- suppression breaks ties the same way on every run. Totals over the outcomes and the
-- split by trigger type are not shown, so they need no protection.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    trigger_type,
    outcome,
    triggers,
    share_met,
    standard_business_days,
    first_month,
    last_month
FROM mart_item9_follow_up
WHERE trigger_type = 'all' AND outcome <> 'all'
ORDER BY unit_type, unit_id, outcome;
