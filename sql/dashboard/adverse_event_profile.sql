-- Every row of mart_adverse_event_profile: one per reporting unit, adverse-event
-- dimension and value, in a fixed order so complementary suppression breaks ties the
-- same way on every run.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    dimension,
    group_value,
    events,
    episodes_with_event,
    n_started,
    events_per_100_started
FROM mart_adverse_event_profile
ORDER BY unit_type, unit_id, dimension, group_value;
