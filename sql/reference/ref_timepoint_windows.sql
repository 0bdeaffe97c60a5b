-- Grain: one row per assessment timepoint (baseline, post_treatment, follow_up).
-- Purpose: the window, in days around an anchor date, in which a questionnaire counts for
-- that timepoint (config/scoring.yaml); the administration nearest the target day wins.
CREATE OR REPLACE TABLE ref_timepoint_windows AS
SELECT
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(anchor AS VARCHAR) AS anchor,
    CAST(from_days AS INTEGER) AS from_days,
    CAST(to_days AS INTEGER) AS to_days,
    CAST(target_days AS INTEGER) AS target_days,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE ref_timepoint_windows IS 'Assessment windows: days from the anchor (start_date, or planned_end = start + program length). The administration closest to target_days, earlier on a tie, is used.';
COMMENT ON COLUMN ref_timepoint_windows.timepoint IS 'baseline, post_treatment or follow_up.';
COMMENT ON COLUMN ref_timepoint_windows.source IS 'The publication or policy the row''s numbers come from, with its evidence mark where config gives one.';
COMMENT ON COLUMN ref_timepoint_windows.anchor IS 'start_date (baseline) or planned_end (start + program length, later timepoints).';
COMMENT ON COLUMN ref_timepoint_windows.from_days IS 'First day of the window, days from the anchor (negative = before).';
COMMENT ON COLUMN ref_timepoint_windows.to_days IS 'Last day of the window, days from the anchor.';
COMMENT ON COLUMN ref_timepoint_windows.target_days IS 'Preferred day, days from the anchor: the nearest administration wins, the earlier on a tie.';
