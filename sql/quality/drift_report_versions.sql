-- Reports already written, by type, program, batch, reference and data version: a
-- comparison whose data did not change gets no new report.
SELECT report_type, program_id, batch_id, coalesce(reference, ''), data_version
FROM drift_reports;
