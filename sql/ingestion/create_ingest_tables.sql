-- Landing tables of the warehouse: one raw table per contract table, plus the load
-- ledger and the quarantine. Created once; loads append and replace batches in place.
-- Source patient and episode keys never appear: ingestion stores keyed-hash ids.

CREATE TABLE IF NOT EXISTS ingest_load_ledger (
    ledger_id BIGINT PRIMARY KEY,
    program_id VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    file_format VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    file_bytes BIGINT NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    outcome VARCHAR NOT NULL,
    message VARCHAR,
    contract_version VARCHAR NOT NULL,
    run_id VARCHAR,
    loaded_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP,
    CHECK (rows_read = rows_loaded + rows_quarantined),
    CHECK (outcome IN ('loaded', 'loaded_with_quarantine', 'refused'))
);

CREATE TABLE IF NOT EXISTS ingest_quarantine (
    ledger_id BIGINT NOT NULL,
    program_id VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    source_row BIGINT,
    field VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_programs (
    program_id VARCHAR NOT NULL,
    program_name VARCHAR NOT NULL,
    delivery_mode VARCHAR NOT NULL,
    therapist_trained_in_chronic_pain BOOLEAN NOT NULL,
    length_weeks INTEGER NOT NULL,
    module_count INTEGER NOT NULL,
    topics VARCHAR NOT NULL,
    funding VARCHAR NOT NULL,
    reimbursement_eligibility VARCHAR NOT NULL,
    province VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    ledger_id BIGINT NOT NULL,
    source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_episodes (
    patient_id BIGINT NOT NULL,
    episode_id BIGINT NOT NULL,
    program_id VARCHAR NOT NULL,
    referral_source VARCHAR NOT NULL,
    referral_date DATE NOT NULL,
    enrolment_date DATE,
    start_date DATE,
    end_date DATE,
    discharge_reason VARCHAR,
    age_band VARCHAR NOT NULL,
    sex VARCHAR NOT NULL,
    rurality VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    readiness_stage VARCHAR NOT NULL,
    device_access VARCHAR,
    internet_access VARCHAR,
    concurrent_physiotherapy BOOLEAN,
    concurrent_pain_clinic BOOLEAN,
    concurrent_medication_review BOOLEAN,
    concurrent_other_psychological BOOLEAN,
    stop_reason VARCHAR,
    contract_version VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    ledger_id BIGINT NOT NULL,
    source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_prom_responses (
    program_id VARCHAR NOT NULL,
    episode_id BIGINT NOT NULL,
    instrument VARCHAR NOT NULL,
    administered_date DATE NOT NULL,
    item_number TINYINT NOT NULL,
    value TINYINT,
    batch_id VARCHAR NOT NULL,
    ledger_id BIGINT NOT NULL,
    source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_engagement_events (
    program_id VARCHAR NOT NULL,
    episode_id BIGINT NOT NULL,
    event_timestamp TIMESTAMP NOT NULL,
    event_type VARCHAR NOT NULL,
    module_number SMALLINT,
    minutes DOUBLE,
    batch_id VARCHAR NOT NULL,
    ledger_id BIGINT NOT NULL,
    source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_adverse_events (
    program_id VARCHAR NOT NULL,
    episode_id BIGINT NOT NULL,
    event_date DATE NOT NULL,
    category VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    serious BOOLEAN NOT NULL,
    relatedness VARCHAR NOT NULL,
    batch_id VARCHAR NOT NULL,
    ledger_id BIGINT NOT NULL,
    source_row BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS raw_patient_experience (
    program_id VARCHAR NOT NULL,
    episode_id BIGINT NOT NULL,
    administered_date DATE NOT NULL,
    item_number TINYINT NOT NULL,
    answer TINYINT,
    batch_id VARCHAR NOT NULL,
    ledger_id BIGINT NOT NULL,
    source_row BIGINT NOT NULL
);

COMMENT ON TABLE ingest_load_ledger IS 'One row per landing file processed: content hash, rows read, loaded and quarantined (rows_read = rows_loaded + rows_quarantined always), and outcome. A corrected re-delivery of the same program, batch and table sets superseded_at on the earlier rows.';
COMMENT ON COLUMN ingest_load_ledger.source_file IS 'Path relative to the landing zone: <program_id>/<batch_id>/<table>.<ext>.';
COMMENT ON COLUMN ingest_load_ledger.outcome IS 'loaded (every row valid), loaded_with_quarantine (some rows quarantined), refused (the whole file was rejected; see message).';
COMMENT ON COLUMN ingest_load_ledger.superseded_at IS 'When a later delivery of the same program, batch and table replaced this file; NULL for the current delivery.';
COMMENT ON TABLE ingest_quarantine IS 'Every rejected input row, with the file, the 1-based data-row number, the field and the reason (which never quotes the value). value is the offending value as typed only when it cannot identify anyone (a number of at most six digits, a contract code); otherwise withheld (<length and character classes>; key <keyed hash>), equal for equal values. Source keys are never stored.';
COMMENT ON COLUMN ingest_load_ledger.contract_version IS 'Contract version the file was read against: v1 when its batch has no manifest.json, else the version the manifest declares; unknown when the manifest was refused (and the file with it).';
COMMENT ON TABLE raw_programs IS 'Program registry rows as delivered, one per program and batch.';
COMMENT ON TABLE raw_episodes IS 'Episode rows as delivered; an episode re-sent in a later batch appears once per batch (staging keeps the latest). patient_id and episode_id are keyed hashes of the source keys.';
COMMENT ON TABLE raw_prom_responses IS 'PROM item responses as delivered (long form); value NULL means the item was skipped.';
COMMENT ON TABLE raw_engagement_events IS 'Engagement events as delivered; event_timestamp is UTC.';
COMMENT ON TABLE raw_adverse_events IS 'Adverse events as delivered.';
COMMENT ON COLUMN raw_episodes.contract_version IS 'Contract version of the delivery this row came from (v1 or v2); the v2 fields are NULL in a v1 delivery.';
COMMENT ON TABLE raw_patient_experience IS 'Patient Experience Questionnaire item answers as delivered (contract v2, long form); answer NULL means not answered or not applicable.';
