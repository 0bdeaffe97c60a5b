-- The list of Evidently HTML reports written under the reports folder, kept across runs:
-- one row per report file, never deleted, so earlier reports stay listed.
CREATE TABLE IF NOT EXISTS drift_reports (
    report_type VARCHAR NOT NULL,
    program_id VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    reference VARCHAR,
    verdict VARCHAR,
    data_version VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    run_id VARCHAR,
    CHECK (report_type IN ('data_drift', 'data_summary'))
);

COMMENT ON TABLE drift_reports IS 'Evidently HTML reports (data drift against a reference, or a data summary of one batch), one row per file written, kept across runs. path is relative to the reports folder.';
COMMENT ON COLUMN drift_reports.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN drift_reports.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN drift_reports.report_type IS 'data_drift (against a reference) or data_summary (one batch).';
COMMENT ON COLUMN drift_reports.reference IS 'own_reference or in_person for a data_drift report; NULL for a data summary.';
COMMENT ON COLUMN drift_reports.verdict IS 'The comparison''s drift verdict (drift_results.verdict); NULL for a data summary.';
COMMENT ON COLUMN drift_reports.data_version IS 'drift_results.data_version of the data the report shows.';
COMMENT ON COLUMN drift_reports.path IS 'Report file, relative to the reports folder (<data>/reports).';
COMMENT ON COLUMN drift_reports.created_at IS 'When the report file was written (UTC).';
COMMENT ON COLUMN drift_reports.run_id IS 'Dagster run that wrote it.';
