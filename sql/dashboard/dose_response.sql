-- Every row of mart_dose_response: post-treatment change by dose band, one row per
-- reporting unit, change-outcome scale and band.
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    instrument,
    scale,
    outcome_label,
    higher_is_better,
    dose_band,
    band_order,
    n_baseline,
    n_paired,
    mean_change,
    change_sd,
    change_ci_low,
    change_ci_high,
    n_reliable_improvement,
    reliable_improvement_rate,
    -- The level of every interval above, as this snapshot's configuration holds it.
    (
        SELECT value FROM ref_effectiveness_thresholds WHERE name = 'confidence_level'
    ) AS confidence_level
FROM mart_dose_response
ORDER BY instrument, scale, unit_type, unit_id, band_order;
