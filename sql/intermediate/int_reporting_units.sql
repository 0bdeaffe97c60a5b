-- Grain (episode_id, unit_type, unit_id): one row per episode and reporting unit it counts
-- towards.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: the units every engagement, equity and trajectory mart reports on: the
-- episode's program, its delivery mode, and, for iCBT episodes, all iCBT programs
-- together. Pre-aggregating by unit keeps the dashboard from summing anything itself.
CREATE OR REPLACE TABLE int_reporting_units AS
SELECT episode_id, 'program' AS unit_type, program_id AS unit_id, programs.program_name AS unit_label, programs.delivery_mode
FROM staging_episodes JOIN staging_programs AS programs USING (program_id)
UNION ALL
SELECT episode_id, 'delivery_mode', programs.delivery_mode, replace(programs.delivery_mode, '_', ' '), programs.delivery_mode
FROM staging_episodes JOIN staging_programs AS programs USING (program_id)
UNION ALL
SELECT episode_id, 'all_icbt', 'all_icbt', 'All iCBT programs', NULL
FROM staging_episodes JOIN staging_programs AS programs USING (program_id)
WHERE NOT programs.is_in_person;

COMMENT ON TABLE int_reporting_units IS 'Which reporting units each episode counts towards: unit_type program (unit_id = program_id), delivery_mode (unit_id = the mode) and all_icbt (every iCBT episode; in-person episodes are the comparator and are not included).';
COMMENT ON COLUMN int_reporting_units.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_reporting_units.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN int_reporting_units.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN int_reporting_units.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN int_reporting_units.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
