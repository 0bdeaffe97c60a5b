-- Change outcomes with their direction and published MCID (basis of the margin).
SELECT instrument, scale, outcome_label, higher_is_better, mcid_points
FROM ref_scales
WHERE is_change_outcome
ORDER BY instrument, scale;
