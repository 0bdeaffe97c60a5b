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
    contract_version VARCHAR NOT NULL DEFAULT 'v1',
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
COMMENT ON COLUMN ingest_load_ledger.ledger_id IS 'Identifier of this load of one file; raw rows and quarantine entries carry it.';
COMMENT ON COLUMN ingest_load_ledger.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN ingest_load_ledger.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN ingest_load_ledger.table_name IS 'Contract table the file delivers: programs, episodes, prom_responses, engagement_events or adverse_events.';
COMMENT ON COLUMN ingest_load_ledger.file_format IS 'csv, parquet, jsonl or fhir_ndjson (QuestionnaireResponse.ndjson).';
COMMENT ON COLUMN ingest_load_ledger.content_sha256 IS 'SHA-256 of the file''s bytes, hex; an identical re-delivery is skipped.';
COMMENT ON COLUMN ingest_load_ledger.file_bytes IS 'Size of the file in bytes.';
COMMENT ON COLUMN ingest_load_ledger.rows_read IS 'Data rows read from the file (rows_loaded + rows_quarantined).';
COMMENT ON COLUMN ingest_load_ledger.rows_loaded IS 'Rows stored in the raw table.';
COMMENT ON COLUMN ingest_load_ledger.rows_quarantined IS 'Rows rejected to ingest_quarantine (0 to rows_read; all of them when the file is refused).';
COMMENT ON COLUMN ingest_load_ledger.message IS 'Why the file was refused, or a summary of quarantine reasons; never quotes a value.';
COMMENT ON COLUMN ingest_load_ledger.contract_version IS 'Version of the data contract the file was validated against.';
COMMENT ON COLUMN ingest_load_ledger.run_id IS 'Dagster run that loaded the file.';
COMMENT ON COLUMN ingest_load_ledger.loaded_at IS 'When the file was loaded (UTC).';
COMMENT ON COLUMN ingest_quarantine.ledger_id IS 'The ingest_load_ledger row of the file the rejected row came from.';
COMMENT ON COLUMN ingest_quarantine.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN ingest_quarantine.batch_id IS 'Delivery period of the batch, YYYY-MM.';
COMMENT ON COLUMN ingest_quarantine.table_name IS 'Contract table the file delivers.';
COMMENT ON COLUMN ingest_quarantine.source_file IS 'Path relative to the landing zone: <program_id>/<batch_id>/<file>.';
COMMENT ON COLUMN ingest_quarantine.source_row IS '1-based data-row number in the delivered file; NULL for an entry about the whole file.';
COMMENT ON COLUMN ingest_quarantine.field IS 'Contract field that failed the rule; NULL for a row or file that could not be read.';
COMMENT ON COLUMN ingest_quarantine.value IS 'The offending value as typed only when it cannot identify anyone (a number of at most six digits, a contract code); otherwise withheld (length, character classes and a keyed hash). Never a source key.';
COMMENT ON COLUMN ingest_quarantine.reason IS 'The rule that failed, in plain words; never quotes the value.';
COMMENT ON COLUMN raw_adverse_events.program_id IS 'Program code of the data contract; equals the landing-zone folder the file came from.';
COMMENT ON COLUMN raw_adverse_events.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN raw_adverse_events.event_date IS 'Date of onset.';
COMMENT ON COLUMN raw_adverse_events.category IS 'Kind of event: suicidal_ideation, self_harm, symptom_deterioration, pain_flare, emergency_visit, hospitalisation or other.';
COMMENT ON COLUMN raw_adverse_events.severity IS 'Severity grade: mild, moderate or severe.';
COMMENT ON COLUMN raw_adverse_events.serious IS 'Serious adverse event in the ICH E2A sense (death, life-threatening, hospitalisation, persistent disability).';
COMMENT ON COLUMN raw_adverse_events.relatedness IS 'Relationship to the program, WHO-UMC causality: not_related, unlikely, possible, probable or certain.';
COMMENT ON COLUMN raw_adverse_events.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN raw_adverse_events.ledger_id IS 'The ingest_load_ledger row of the file this row was loaded from.';
COMMENT ON COLUMN raw_adverse_events.source_row IS '1-based data-row number in the delivered file: CSV line less the header, JSON Lines line, Parquet row, or position of the FHIR item answer.';
COMMENT ON COLUMN raw_engagement_events.program_id IS 'Program code of the data contract; equals the landing-zone folder the file came from.';
COMMENT ON COLUMN raw_engagement_events.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN raw_engagement_events.event_timestamp IS 'When the event happened, in UTC.';
COMMENT ON COLUMN raw_engagement_events.event_type IS 'login, module_started, module_completed, message_to_therapist, message_from_therapist, live_session or homework (in-person sessions are live_session).';
COMMENT ON COLUMN raw_engagement_events.module_number IS 'Module (or session) number; set for module_started and module_completed.';
COMMENT ON COLUMN raw_engagement_events.minutes IS 'Duration in minutes: patient time for logins, modules and homework; therapist time for message_from_therapist and live_session.';
COMMENT ON COLUMN raw_engagement_events.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN raw_engagement_events.ledger_id IS 'The ingest_load_ledger row of the file this row was loaded from.';
COMMENT ON COLUMN raw_engagement_events.source_row IS '1-based data-row number in the delivered file: CSV line less the header, JSON Lines line, Parquet row, or position of the FHIR item answer.';
COMMENT ON COLUMN raw_episodes.patient_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s patient key, domain-separated by program.';
COMMENT ON COLUMN raw_episodes.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN raw_episodes.program_id IS 'Program code of the data contract; equals the landing-zone folder the file came from.';
COMMENT ON COLUMN raw_episodes.referral_source IS 'Who referred the patient: self, primary_care, pain_clinic, specialist or other.';
COMMENT ON COLUMN raw_episodes.referral_date IS 'Date the referral was received.';
COMMENT ON COLUMN raw_episodes.enrolment_date IS 'Date the patient was assessed as suitable and enrolled; NULL if not (yet) enrolled.';
COMMENT ON COLUMN raw_episodes.start_date IS 'Date of the first module or session; NULL if not (yet) started.';
COMMENT ON COLUMN raw_episodes.end_date IS 'Date the episode ended; NULL while it is ongoing.';
COMMENT ON COLUMN raw_episodes.discharge_reason IS 'Why the episode ended: completed, dropped_out, not_started, referred_elsewhere, clinical_decision or other; NULL while ongoing.';
COMMENT ON COLUMN raw_episodes.age_band IS 'Age at referral in bands: 18-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75+ (never a birth date).';
COMMENT ON COLUMN raw_episodes.sex IS 'Sex as recorded by the program: female, male, other or not_stated.';
COMMENT ON COLUMN raw_episodes.rurality IS 'Rurality of the patient''s home community: urban, rural or remote.';
COMMENT ON COLUMN raw_episodes.language IS 'Language of care: en, fr or other.';
COMMENT ON COLUMN raw_episodes.readiness_stage IS 'Stage of change at assessment (Pain Stages of Change Questionnaire, Kerns et al. 1997): precontemplation, contemplation, action or maintenance.';
COMMENT ON COLUMN raw_episodes.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN raw_episodes.ledger_id IS 'The ingest_load_ledger row of the file this row was loaded from.';
COMMENT ON COLUMN raw_episodes.source_row IS '1-based data-row number in the delivered file: CSV line less the header, JSON Lines line, Parquet row, or position of the FHIR item answer.';
COMMENT ON COLUMN raw_programs.program_id IS 'Program code of the data contract; equals the landing-zone folder the file came from.';
COMMENT ON COLUMN raw_programs.program_name IS 'Public name of the program or clinic, as delivered.';
COMMENT ON COLUMN raw_programs.delivery_mode IS 'Level and kind of therapist involvement: self_guided, guided_asynchronous, therapist_realtime or in_person.';
COMMENT ON COLUMN raw_programs.therapist_trained_in_chronic_pain IS 'Therapists or coaches have specific chronic-pain training (a CADTH recommendation); false for self-guided programs.';
COMMENT ON COLUMN raw_programs.length_weeks IS 'Planned program length in weeks.';
COMMENT ON COLUMN raw_programs.module_count IS 'Number of modules (lessons), or planned sessions for in-person CBT.';
COMMENT ON COLUMN raw_programs.topics IS 'Topics covered, separated by '';'', from the data contract''s topic vocabulary (staging_programs splits them into a list).';
COMMENT ON COLUMN raw_programs.funding IS 'Who funds delivery: public, private, mixed or research.';
COMMENT ON COLUMN raw_programs.reimbursement_eligibility IS 'How a patient''s cost can be covered: free_at_point_of_care, public_plan, private_insurance or out_of_pocket.';
COMMENT ON COLUMN raw_programs.province IS 'Province or territory of delivery, ISO 3166-2:CA code without the CA- prefix (AB, BC, ..., YT).';
COMMENT ON COLUMN raw_programs.status IS 'Availability as in the CADTH Environmental Scan: available or in_development.';
COMMENT ON COLUMN raw_programs.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN raw_programs.ledger_id IS 'The ingest_load_ledger row of the file this row was loaded from.';
COMMENT ON COLUMN raw_programs.source_row IS '1-based data-row number in the delivered file: CSV line less the header, JSON Lines line, Parquet row, or position of the FHIR item answer.';
COMMENT ON COLUMN raw_prom_responses.program_id IS 'Program code of the data contract; equals the landing-zone folder the file came from.';
COMMENT ON COLUMN raw_prom_responses.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN raw_prom_responses.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN raw_prom_responses.administered_date IS 'Date the patient completed the questionnaire.';
COMMENT ON COLUMN raw_prom_responses.item_number IS 'Item number within the instrument, 1-based, in the order of ref_instrument_items.';
COMMENT ON COLUMN raw_prom_responses.value IS 'The item''s answer on the instrument''s scale (allowed range in ref_instrument_items); NULL if the item was skipped.';
COMMENT ON COLUMN raw_prom_responses.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN raw_prom_responses.ledger_id IS 'The ingest_load_ledger row of the file this row was loaded from.';
COMMENT ON COLUMN raw_prom_responses.source_row IS '1-based data-row number in the delivered file: CSV line less the header, JSON Lines line, Parquet row, or position of the FHIR item answer.';
COMMENT ON COLUMN raw_episodes.device_access IS 'Device access at referral (contract v2): own_device, shared_device, no_device or not_stated; NULL in a v1 delivery.';
COMMENT ON COLUMN raw_episodes.internet_access IS 'Internet access at referral (contract v2): home_broadband, mobile_data_only, public_or_limited, none or not_stated; NULL in a v1 delivery.';
COMMENT ON COLUMN raw_episodes.concurrent_physiotherapy IS 'Physiotherapy for pain received during the episode (contract v2); NULL in a v1 delivery.';
COMMENT ON COLUMN raw_episodes.concurrent_pain_clinic IS 'Multidisciplinary or specialist pain clinic attended during the episode (contract v2); NULL in a v1 delivery.';
COMMENT ON COLUMN raw_episodes.concurrent_medication_review IS 'Pain medication review during the episode (contract v2); NULL in a v1 delivery.';
COMMENT ON COLUMN raw_episodes.concurrent_other_psychological IS 'Other psychological care outside the program during the episode (contract v2); NULL in a v1 delivery.';
COMMENT ON COLUMN raw_episodes.stop_reason IS 'Main reason for stopping when discharge_reason is dropped_out or not_started (contract v2 code list); NULL when not recorded or in a v1 delivery.';
COMMENT ON COLUMN raw_patient_experience.program_id IS 'Program code of the data contract; equals the landing-zone folder the file came from.';
COMMENT ON COLUMN raw_patient_experience.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN raw_patient_experience.administered_date IS 'Date the questionnaire was completed.';
COMMENT ON COLUMN raw_patient_experience.item_number IS 'Patient Experience Questionnaire treatment item, 1 to 5 (contracts/v2/experience.json).';
COMMENT ON COLUMN raw_patient_experience.answer IS '0 never, 1 rarely, 2 sometimes, 3 most of the time, 4 all of the time; NULL = not answered or not applicable.';
COMMENT ON COLUMN raw_patient_experience.batch_id IS 'Delivery period of the batch, YYYY-MM (the landing-zone folder name).';
COMMENT ON COLUMN raw_patient_experience.ledger_id IS 'The ingest_load_ledger row of the file this row was loaded from.';
COMMENT ON COLUMN raw_patient_experience.source_row IS '1-based data-row number in the delivered file: CSV line less the header, JSON Lines line or Parquet row.';
COMMENT ON COLUMN raw_episodes.contract_version IS 'Contract version of the delivery this row came from (v1 or v2); the v2 fields are NULL in a v1 delivery.';
COMMENT ON TABLE raw_patient_experience IS 'Patient Experience Questionnaire item answers as delivered (contract v2, long form); answer NULL means not answered or not applicable.';
