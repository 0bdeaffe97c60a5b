-- Grain (item_id, signal_id): one row per safety review item and register signal it
-- groups.
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: the decisions analysts recorded on the signal register (states of EU GVP Module
-- IX, assignee, rationale, action, the snapshot and figures judged on) and each item's
-- priority, copied from the application database by every national run so researchers
-- see decisions beside the register (pipelines/safety/review_tables.py).
CREATE OR REPLACE TABLE safety_signal_reviews AS
SELECT
    CAST(item_id AS BIGINT) AS item_id,
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(signal_id AS VARCHAR) AS signal_id,
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(method AS VARCHAR) AS method,
    CAST(signal_opened_month AS DATE) AS signal_opened_month,
    CAST(signal_status AS VARCHAR) AS signal_status,
    CAST(review_state AS VARCHAR) AS review_state,
    CAST(reopened AS BOOLEAN) AS reopened,
    CAST(times_reopened AS BIGINT) AS times_reopened,
    CAST(reopen_reason AS VARCHAR) AS reopen_reason,
    CAST(assignee AS VARCHAR) AS assignee,
    CAST(rationale AS VARCHAR) AS rationale,
    CAST(action AS VARCHAR) AS action,
    CAST(evidence_snapshot_id AS VARCHAR) AS evidence_snapshot_id,
    CAST(judged_observed AS DOUBLE) AS judged_observed,
    CAST(judged_expected AS DOUBLE) AS judged_expected,
    CAST(judged_statistic AS DOUBLE) AS judged_statistic,
    CAST(priority_score AS DOUBLE) AS priority_score,
    CAST(priority_severity_weight AS DOUBLE) AS priority_severity_weight,
    CAST(priority_excess_events AS DOUBLE) AS priority_excess_events,
    CAST(priority_observed_to_expected AS DOUBLE) AS priority_observed_to_expected,
    CAST(priority_months_open AS BIGINT) AS priority_months_open,
    CAST(priority_decision_weight AS DOUBLE) AS priority_decision_weight,
    CAST(opened_at AS TIMESTAMP) AS opened_at,
    CAST(updated_at AS TIMESTAMP) AS updated_at,
    CAST(updated_by AS VARCHAR) AS updated_by,
    CAST(version AS BIGINT) AS version
FROM source_frame;

COMMENT ON TABLE safety_signal_reviews IS 'Safety review decisions: one row per review item (signals of one program reviewed together) and register signal, with the item''s state, assignee, rationale, action, the evidence it was judged on and its priority. Copied from the application database at each national run; join to safety_signal_register on signal_id. Counts are unsuppressed aggregates. See docs/safety.md (Review queue).';
COMMENT ON COLUMN safety_signal_reviews.item_id IS 'Review item; several signals of one program that opened within config/safety_review.yaml grouping.window_months share it.';
COMMENT ON COLUMN safety_signal_reviews.program_id IS 'Program the item concerns.';
COMMENT ON COLUMN safety_signal_reviews.signal_id IS 'safety_signal_register.signal_id of one signal the item groups.';
COMMENT ON COLUMN safety_signal_reviews.indicator IS 'Indicator of this signal (ref_safety_indicators).';
COMMENT ON COLUMN safety_signal_reviews.method IS 'cusum or funnel.';
COMMENT ON COLUMN safety_signal_reviews.signal_opened_month IS 'Month the signal opened.';
COMMENT ON COLUMN safety_signal_reviews.signal_status IS 'The signal''s register status at this run (new, ongoing, resolved).';
COMMENT ON COLUMN safety_signal_reviews.review_state IS 'new, under_validation, refuted, validated, under_assessment, confirmed_risk or closed (EU GVP Module IX).';
COMMENT ON COLUMN safety_signal_reviews.reopened IS 'True when the item had been refuted or closed and materially new evidence reopened it (config/safety_review.yaml realert).';
COMMENT ON COLUMN safety_signal_reviews.times_reopened IS 'How many times the item was reopened.';
COMMENT ON COLUMN safety_signal_reviews.reopen_reason IS 'Why it was last reopened (a new indicator joined, or the excess grew by the configured fraction).';
COMMENT ON COLUMN safety_signal_reviews.assignee IS 'Dashboard user name of the analyst the item is assigned to.';
COMMENT ON COLUMN safety_signal_reviews.rationale IS 'Free text of the latest decision.';
COMMENT ON COLUMN safety_signal_reviews.action IS 'Action recommended for a confirmed risk (required for that state).';
COMMENT ON COLUMN safety_signal_reviews.evidence_snapshot_id IS 'Published snapshot (meta_publication.snapshot_id) the latest decision was judged on.';
COMMENT ON COLUMN safety_signal_reviews.judged_observed IS 'Observed events of this signal in that snapshot (latest_observed then).';
COMMENT ON COLUMN safety_signal_reviews.judged_expected IS 'Expected events of this signal in that snapshot (latest_expected then).';
COMMENT ON COLUMN safety_signal_reviews.judged_statistic IS 'CUSUM value or funnel ratio of this signal in that snapshot.';
COMMENT ON COLUMN safety_signal_reviews.priority_score IS 'severity weight x excess events x months open x decision weight, at this run (docs/safety.md); 0 for refuted and closed items.';
COMMENT ON COLUMN safety_signal_reviews.priority_severity_weight IS 'config priority.severe_weight when an open signal of the item is on a severe indicator, else 1.';
COMMENT ON COLUMN safety_signal_reviews.priority_excess_events IS 'Largest observed minus expected events among the item''s open signals (never below 0).';
COMMENT ON COLUMN safety_signal_reviews.priority_observed_to_expected IS 'Largest observed/expected ratio among the item''s open signals.';
COMMENT ON COLUMN safety_signal_reviews.priority_months_open IS 'Months from the item''s first signal to the last month of data, inclusive.';
COMMENT ON COLUMN safety_signal_reviews.priority_decision_weight IS '1 while waiting for validation, config priority.decided_weight once validated, 0 when refuted or closed.';
COMMENT ON COLUMN safety_signal_reviews.opened_at IS 'When the item opened or last reopened (UTC).';
COMMENT ON COLUMN safety_signal_reviews.updated_at IS 'When the item last changed (UTC).';
COMMENT ON COLUMN safety_signal_reviews.updated_by IS 'Dashboard user name (or observatory pipeline) of the last change.';
COMMENT ON COLUMN safety_signal_reviews.version IS 'Optimistic-lock version of the item; the audit trail has one row per version.';
