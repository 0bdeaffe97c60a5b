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
    reliable_improvement_rate
FROM mart_dose_response
ORDER BY instrument, scale, unit_type, unit_id, band_order;
