-- Appends one execution's data-quality results (source_frame, from pipelines/quality/dq.py).
INSERT INTO dq_results BY NAME SELECT * FROM source_frame;
