-- DerSimonian-Laird pooled effects (all programs and per delivery mode), input of their
-- certainty ratings.
SELECT * FROM mart_pooled_effects WHERE method = 'dl' ORDER BY instrument, scale, timepoint, subgroup;
