-- Grain (cell): one row per count cell the dashboard hides beyond its per-mart suppression
-- rules, as the interval audit of the funnel, waits and equity marts asked at publication
-- (dashboards/disclosure.py); a single row with no cell when it asked for none.
-- Purpose: the dashboard reads the plan for its threshold instead of running the audit on a
-- request; researchers see which served cells were hidden for disclosure control.
CREATE OR REPLACE TABLE meta_disclosure_plan AS
SELECT
    CAST(threshold AS INTEGER) AS threshold,
    CAST(cell AS VARCHAR) AS cell
FROM source_frame;

COMMENT ON TABLE meta_disclosure_plan IS 'Cells of the dashboard''s funnel, waits and equity tables hidden beyond the per-mart small-count rules, because the interval audit found a count of 1 to threshold - 1 that related totals and counts would otherwise pin (dashboards/README.md). Written into each snapshot at publication.';
COMMENT ON COLUMN meta_disclosure_plan.threshold IS 'The small-count threshold (config/suppression.yaml) the plan was worked out for; the dashboard works out its own plan under any other.';
COMMENT ON COLUMN meta_disclosure_plan.cell IS 'The hidden cell as a JSON array: mart (funnel, waits or equity), the row''s key values, the count column. NULL on the one row of a plan that hides nothing.';
