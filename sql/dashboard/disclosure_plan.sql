-- The cells hidden beyond the per-mart suppression rules, with the threshold they were
-- worked out for (one row per cell; one row with no cell when none are).
SELECT threshold, cell
FROM meta_disclosure_plan;
