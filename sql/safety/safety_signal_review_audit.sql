-- Grain (audit_id): one row per change of a safety review item.
-- Purpose: the append-only audit trail of the safety review (who changed which item when,
-- from what state to what, with what rationale, action and evidence), copied from the
-- application database by every national run.
CREATE OR REPLACE TABLE safety_signal_review_audit AS
SELECT
    CAST(audit_id AS BIGINT) AS audit_id,
    CAST(item_id AS BIGINT) AS item_id,
    CAST(changed_at AS TIMESTAMP) AS changed_at,
    CAST(changed_by AS VARCHAR) AS changed_by,
    CAST(from_state AS VARCHAR) AS from_state,
    CAST(to_state AS VARCHAR) AS to_state,
    CAST(assignee AS VARCHAR) AS assignee,
    CAST(rationale AS VARCHAR) AS rationale,
    CAST(action AS VARCHAR) AS action,
    CAST(snapshot_id AS VARCHAR) AS snapshot_id,
    CAST(evidence_json AS VARCHAR) AS evidence_json
FROM source_frame;

COMMENT ON TABLE safety_signal_review_audit IS 'Audit trail of the safety review: one row per change of a review item, in the order written; rows are never changed or deleted in the application database. Join to safety_signal_reviews on item_id.';
COMMENT ON COLUMN safety_signal_review_audit.audit_id IS 'Order in which the change was written.';
COMMENT ON COLUMN safety_signal_review_audit.item_id IS 'safety_signal_reviews.item_id.';
COMMENT ON COLUMN safety_signal_review_audit.changed_at IS 'When (UTC).';
COMMENT ON COLUMN safety_signal_review_audit.changed_by IS 'Dashboard user name, or observatory pipeline for items opened or reopened by a run.';
COMMENT ON COLUMN safety_signal_review_audit.from_state IS 'State before the change; empty when the item was created.';
COMMENT ON COLUMN safety_signal_review_audit.to_state IS 'State after the change.';
COMMENT ON COLUMN safety_signal_review_audit.assignee IS 'Assignee after the change.';
COMMENT ON COLUMN safety_signal_review_audit.rationale IS 'Rationale written with the change (for the pipeline: which signals opened or why it reopened).';
COMMENT ON COLUMN safety_signal_review_audit.action IS 'Action recommended, for a confirmed risk.';
COMMENT ON COLUMN safety_signal_review_audit.snapshot_id IS 'Published snapshot the change was judged on.';
COMMENT ON COLUMN safety_signal_review_audit.evidence_json IS 'The figures judged on, per signal: JSON object of signal_id to indicator, method, status, latest_month, latest_n, latest_observed, latest_expected, latest_statistic, latest_threshold and excess.';
