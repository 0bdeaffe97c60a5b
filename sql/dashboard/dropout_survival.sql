-- Every row of mart_dropout_survival: the Kaplan-Meier estimate of not having dropped out,
-- one row per reporting unit and week since the episode start.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    week,
    n_started,
    n_at_risk,
    n_dropouts,
    share_not_dropped_out,
    share_ci_low,
    share_ci_high,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_dropout_survival
ORDER BY unit_type, unit_id, week;
