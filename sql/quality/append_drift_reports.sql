-- Appends the reports written in one run (source_frame, from pipelines/quality/drift.py).
INSERT INTO drift_reports BY NAME SELECT * FROM source_frame;
