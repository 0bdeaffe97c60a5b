-- Grain (signal_id): one row per safety signal (program, indicator, method and the month
-- it opened).
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: the persistent signal register. Created once and never replaced: every run
-- upserts into it (safety/upsert_safety_signal_register.sql), so a signal keeps its
-- identity, its first-recorded time and its place in the alert sequence across runs.
CREATE TABLE IF NOT EXISTS safety_signal_register (
    signal_id VARCHAR PRIMARY KEY,
    signal_number BIGINT NOT NULL UNIQUE,
    program_id VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    indicator_label VARCHAR NOT NULL,
    severe BOOLEAN NOT NULL,
    method VARCHAR NOT NULL,
    opened_month DATE NOT NULL,
    status VARCHAR NOT NULL,
    resolved_month DATE,
    announce BOOLEAN NOT NULL,
    opened_n BIGINT,
    opened_observed DOUBLE,
    opened_expected DOUBLE,
    opened_statistic DOUBLE,
    opened_threshold DOUBLE,
    as_of_month DATE NOT NULL,
    latest_month DATE,
    latest_n BIGINT,
    latest_observed DOUBLE,
    latest_expected DOUBLE,
    latest_statistic DOUBLE,
    latest_threshold DOUBLE,
    first_recorded_at TIMESTAMP NOT NULL,
    first_recorded_run_id VARCHAR,
    last_evaluated_at TIMESTAMP NOT NULL,
    last_evaluated_run_id VARCHAR,
    CHECK (status IN ('new', 'ongoing', 'resolved')),
    CHECK (method IN ('cusum', 'funnel'))
);

COMMENT ON TABLE safety_signal_register IS 'Safety signals, kept across runs: each with its program, indicator, method (cusum or funnel), the month it opened, status (new: opened in the latest run; ongoing: still open; resolved) and evidence. Evidence counts are unsuppressed aggregates. See docs/safety.md for when a signal opens and resolves.';
COMMENT ON COLUMN safety_signal_register.signal_id IS '<program_id>:<indicator>:<method>:<opened YYYY-MM>.';
COMMENT ON COLUMN safety_signal_register.signal_number IS 'Order in which the register recorded the signal; the alert sensor announces in this order.';
COMMENT ON COLUMN safety_signal_register.severe IS 'The indicator is severe (ref_safety_indicators): an open signal fails the ERROR check.';
COMMENT ON COLUMN safety_signal_register.announce IS 'True when the signal was open when first recorded, so the alert sensor hands it to the notifier once; false for episodes that had already resolved when first seen (first run over past data).';
COMMENT ON COLUMN safety_signal_register.opened_observed IS 'At opening: events since the CUSUM last stood at zero, or in the funnel window.';
COMMENT ON COLUMN safety_signal_register.opened_expected IS 'At opening: events expected under in-person CBT for the same case mix, over the same units.';
COMMENT ON COLUMN safety_signal_register.opened_statistic IS 'At opening: the CUSUM value that crossed the threshold, or the funnel observed/expected ratio.';
COMMENT ON COLUMN safety_signal_register.opened_threshold IS 'At opening: the CUSUM threshold h, or the funnel''s upper alarm limit.';
COMMENT ON COLUMN safety_signal_register.as_of_month IS 'Last month of data in the run that last evaluated the signal.';
COMMENT ON COLUMN safety_signal_register.latest_month IS 'Last month the signal was open; its evidence is in the latest_* columns.';
COMMENT ON COLUMN safety_signal_register.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN safety_signal_register.indicator IS 'Safety indicator code of ref_safety_indicators (e.g. phq9_reliable_deterioration, serious_adverse_event, item9_follow_up_breach).';
COMMENT ON COLUMN safety_signal_register.indicator_label IS 'Readable name of the indicator.';
COMMENT ON COLUMN safety_signal_register.method IS 'cusum or funnel: the method that raised the signal.';
COMMENT ON COLUMN safety_signal_register.opened_month IS 'Month the method first flagged it (first day).';
COMMENT ON COLUMN safety_signal_register.status IS 'new (opened in the latest run), ongoing (still open) or resolved.';
COMMENT ON COLUMN safety_signal_register.resolved_month IS 'Month the signal resolved (CUSUM drained to zero, or no funnel alarm for ref_safety_policy funnel.resolve_after_months); NULL while open.';
COMMENT ON COLUMN safety_signal_register.opened_n IS 'At opening: units behind the evidence. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN safety_signal_register.latest_n IS 'In latest_month: units behind the evidence. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN safety_signal_register.latest_observed IS 'In latest_month: events since the CUSUM last stood at zero, or in the funnel window.';
COMMENT ON COLUMN safety_signal_register.latest_expected IS 'In latest_month: events expected under in-person CBT for the same case mix.';
COMMENT ON COLUMN safety_signal_register.latest_statistic IS 'In latest_month: the CUSUM value or the funnel observed/expected ratio.';
COMMENT ON COLUMN safety_signal_register.latest_threshold IS 'In latest_month: the CUSUM threshold h or the funnel''s upper alarm limit.';
COMMENT ON COLUMN safety_signal_register.first_recorded_at IS 'When a run first recorded the signal (UTC).';
COMMENT ON COLUMN safety_signal_register.first_recorded_run_id IS 'Dagster run that first recorded it.';
COMMENT ON COLUMN safety_signal_register.last_evaluated_at IS 'When a run last evaluated it (UTC).';
COMMENT ON COLUMN safety_signal_register.last_evaluated_run_id IS 'Dagster run that last evaluated it.';
