"""Contract v1 and v2 side by side: a mixed landing zone (one program on v1, one on v2,
one switching at its second batch) loads through real Dagster runs into the lake, every
file read against the version its batch's manifest declares, with exact ledger counts;
v2's new fields are validated, gated and quarantined like v1's."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.ingestion.assets import raw_landing
from pipelines.ingestion.manifest import BatchVersion, parse_manifest
from pipelines.ingestion.pseudonymise import create_key_file
from pipelines.lake import Lake
from pipelines.modelling.assets import program_model_asset
from pipelines.partitions import PROGRAM as PROGRAM_PARTITIONS
from pipelines.partitions import range_tags
from pipelines.resources import LandingZone, Warehouse
from tests.pipelines.ingestion.conftest import EPISODES_HEADER, PROGRAM, TODAY, load, write

V2_COLUMNS = (
    "device_access,internet_access,concurrent_physiotherapy,concurrent_pain_clinic,"
    "concurrent_medication_review,concurrent_other_psychological,stop_reason"
)
V2_EPISODES_HEADER = EPISODES_HEADER.replace("\n", f",{V2_COLUMNS}\n")
EXPERIENCE_HEADER = "episode_key,administered_date,item_number,answer\n"
V2 = '{"contract_version": "v2"}'
PROGRAMS = ("ICBT01", "ICBT02", "ICBT03")


def v1_row(key: str, program: str, end: str = "", reason: str = "") -> str:
    return (
        f"P{key},E{key},{program},self,2026-01-02,2026-01-03,2026-01-05,{end},{reason},"
        "65-74,female,remote,en,action"
    )


def v2_row(
    key: str,
    program: str,
    *,
    end: str = "",
    reason: str = "",
    device: str = "own_device",
    internet: str = "home_broadband",
    care: str = "true,false,false,false",
    stop: str = "",
) -> str:
    return f"{v1_row(key, program, end, reason)},{device},{internet},{care},{stop}"


def lines(*rows: str) -> str:
    return "".join(f"{row}\n" for row in rows)


def plant(landing: Path) -> None:
    """ICBT01 stays on v1 (and tries v2 tables without a manifest), ICBT02 is on v2 from
    its first batch, ICBT03 switches to v2 in 2026-02 and re-sends an episode."""
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + lines(v1_row("1", "ICBT01")))
    # v2 columns and the v2 table in a batch without a manifest: refused whole.
    write(
        landing,
        "ICBT01/2026-02/episodes.csv",
        V2_EPISODES_HEADER + lines(v2_row("2", "ICBT01")),
    )
    write(
        landing,
        "ICBT01/2026-02/patient_experience.csv",
        EXPERIENCE_HEADER + lines("E1,2026-02-01,1,3"),
    )
    # A manifest that names no known version refuses the batch's files.
    write(landing, "ICBT01/2026-03/manifest.json", '{"contract_version": "v9"}')
    write(landing, "ICBT01/2026-03/episodes.csv", EPISODES_HEADER + lines(v1_row("3", "ICBT01")))

    program2 = PROGRAM.replace("ICBT01", "ICBT02")
    write(landing, "ICBT02/2026-01/manifest.json", V2)
    write(landing, "ICBT02/2026-01/programs.csv", program2)
    write(
        landing,
        "ICBT02/2026-01/episodes.csv",
        V2_EPISODES_HEADER
        + lines(
            v2_row("1", "ICBT02", end="2026-01-20", reason="completed"),
            v2_row(
                "2",
                "ICBT02",
                end="2026-01-21",
                reason="dropped_out",
                device="shared_device",
                internet="mobile_data_only",
                care="false,false,false,false",
                stop="technology_problems",
            ),
            v2_row("3", "ICBT02", device="tablet"),
            v2_row("4", "ICBT02", end="2026-01-22", reason="completed", stop="felt_better"),
            v2_row("5", "ICBT02", care="true,maybe,false,false"),
            v2_row("6", "ICBT02", end="2026-01-23", reason="dropped_out", stop="bored"),
        ),
    )
    write(
        landing,
        "ICBT02/2026-01/patient_experience.csv",
        EXPERIENCE_HEADER
        + lines(
            "E1,2026-01-20,1,4",
            "E1,2026-01-20,2,3",
            "E1,2026-01-20,3,",
            "E1,2026-01-20,4,7",
            "E1,2026-01-20,6,2",
            "E9,2026-01-20,1,2",
        ),
    )

    program3 = PROGRAM.replace("ICBT01", "ICBT03")
    write(landing, "ICBT03/2026-01/programs.csv", program3)
    write(
        landing,
        "ICBT03/2026-01/episodes.csv",
        EPISODES_HEADER + lines(v1_row("1", "ICBT03"), v1_row("2", "ICBT03")),
    )
    write(landing, "ICBT03/2026-02/manifest.json", V2)
    write(
        landing,
        "ICBT03/2026-02/episodes.csv",
        V2_EPISODES_HEADER
        + lines(
            v2_row(
                "2",
                "ICBT03",
                end="2026-02-10",
                reason="not_started",
                device="no_device",
                internet="none",
                stop="no_device_or_connection",
            ),
            v2_row("3", "ICBT03", care="true,true,true,false"),
        ),
    )
    write(
        landing,
        "ICBT03/2026-02/patient_experience.csv",
        EXPERIENCE_HEADER + lines(*(f"E3,2026-02-20,{item},3" for item in range(1, 6))),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed landing zone loaded by one Dagster ingestion run per program, then the
    per-program staging models; returns the lake folder."""
    root = tmp_path_factory.mktemp("contract_versions")
    landing = root / "landing"
    plant(landing)
    key_file = root / "secrets" / "pseudonym.key"
    create_key_file(key_file)
    lake = root / "lake"
    resources = {
        "warehouse": Warehouse(database=str(root / "build.duckdb"), lake_dir=str(lake)),
        "landing": LandingZone(
            landing_dir=str(landing), pseudonym_key_file=str(key_file), settle_seconds=0
        ),
    }
    staging = [
        program_model_asset(name)
        for name in ("staging_programs", "staging_episodes", "staging_patient_experience")
    ]
    with dg.DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions(PROGRAM_PARTITIONS, list(PROGRAMS))
        for program in PROGRAMS:
            result = dg.materialize(
                [raw_landing],
                instance=instance,
                tags=range_tags(program, "2026-01", "2026-03"),
                resources=resources,
            )
            assert result.success
            result = dg.materialize(
                staging, instance=instance, partition_key=program, resources=resources
            )
            assert result.success
    return lake


def query(lake: Path, sql: str) -> list[tuple]:
    with duckdb.connect() as con:
        Lake(lake).register_views(con)
        return con.execute(sql).fetchall()


def test_every_file_is_read_against_its_batch_version_with_exact_ledger_counts(built: Path):
    ledger = query(
        built,
        "SELECT source_file, contract_version, outcome, rows_read, rows_loaded, "
        "rows_quarantined FROM ingest_load_ledger ORDER BY source_file",
    )
    assert ledger == [
        ("ICBT01/2026-01/episodes.csv", "v1", "loaded", 1, 1, 0),
        ("ICBT01/2026-01/programs.csv", "v1", "loaded", 1, 1, 0),
        ("ICBT01/2026-02/episodes.csv", "v1", "refused", 1, 0, 1),
        ("ICBT01/2026-02/patient_experience.csv", "v1", "refused", 1, 0, 1),
        ("ICBT01/2026-03/episodes.csv", "unknown", "refused", 1, 0, 1),
        ("ICBT02/2026-01/episodes.csv", "v2", "loaded_with_quarantine", 6, 2, 4),
        ("ICBT02/2026-01/patient_experience.csv", "v2", "loaded_with_quarantine", 6, 3, 3),
        ("ICBT02/2026-01/programs.csv", "v2", "loaded", 1, 1, 0),
        ("ICBT03/2026-01/episodes.csv", "v1", "loaded", 2, 2, 0),
        ("ICBT03/2026-01/programs.csv", "v1", "loaded", 1, 1, 0),
        ("ICBT03/2026-02/episodes.csv", "v2", "loaded", 2, 2, 0),
        ("ICBT03/2026-02/patient_experience.csv", "v2", "loaded", 5, 5, 0),
    ]
    [(read, loaded, quarantined)] = query(
        built,
        "SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined) FROM ingest_load_ledger",
    )
    assert (read, loaded, quarantined) == (28, 18, 10)
    stored = query(
        built,
        "SELECT (SELECT count(*) FROM raw_programs) + (SELECT count(*) FROM raw_episodes) "
        "+ (SELECT count(*) FROM raw_patient_experience), "
        "(SELECT count(DISTINCT (ledger_id, source_row)) FROM ingest_quarantine)",
    )
    assert stored == [(loaded, quarantined)]


def test_v2_bad_values_are_quarantined_with_file_row_and_field(built: Path):
    rows = query(
        built,
        "SELECT source_file, source_row, field, value, reason FROM ingest_quarantine "
        "WHERE program_id = 'ICBT02' ORDER BY source_file, source_row, field",
    )
    episodes, experience = "ICBT02/2026-01/episodes.csv", "ICBT02/2026-01/patient_experience.csv"
    assert [(file, row, field, reason) for file, row, field, _, reason in rows] == [
        (
            episodes,
            3,
            "device_access",
            "is not one of: own_device, shared_device, no_device, not_stated",
        ),
        (
            episodes,
            4,
            "stop_reason",
            "stop_reason is given only when discharge_reason is dropped_out or not_started",
        ),
        (episodes, 5, "concurrent_pain_clinic", "is not true or false"),
        (
            episodes,
            6,
            "stop_reason",
            "is not one of: technology_problems, no_device_or_connection, preferred_in_person, "
            "privacy_concerns, too_busy, felt_better, symptoms_worse, other",
        ),
        (experience, 4, "answer", "is outside the range 0 to 4"),
        (experience, 5, "item_number", "is outside the range 1 to 5"),
        (experience, 6, "episode_key", "episode_key does not match any episode of this program"),
    ]
    # Codes and short numbers are shown as typed; a word that is no code is withheld.
    values = [value for *_, value, _ in rows]
    assert values[1] == "felt_better" and values[4:] == ["7", "6", None]
    assert all(values[i].startswith("withheld (") for i in (0, 2, 3))


def test_refusals_name_the_version_and_never_the_manifest_content(built: Path):
    messages = dict(
        query(
            built,
            "SELECT source_file, message FROM ingest_load_ledger WHERE outcome = 'refused'",
        )
    )
    assert "not in contract v1 table episodes" in messages["ICBT01/2026-02/episodes.csv"]
    assert messages["ICBT01/2026-02/patient_experience.csv"].startswith(
        "table patient_experience is not in contract v1"
    )
    manifest = messages["ICBT01/2026-03/episodes.csv"]
    assert "manifest.json names a contract version that is not one of: v1, v2" in manifest
    assert "v9" not in manifest


def test_staging_keeps_the_latest_delivery_and_its_version(built: Path):
    episodes = query(
        built,
        "SELECT program_id, contract_version, status, device_access, internet_access, "
        "concurrent_physiotherapy, concurrent_pain_clinic, stop_reason "
        "FROM staging_episodes ORDER BY program_id, contract_version, status",
    )
    assert episodes == [
        ("ICBT01", "v1", "ongoing", None, None, None, None, None),
        ("ICBT02", "v2", "completed", "own_device", "home_broadband", True, False, None),
        (
            "ICBT02",
            "v2",
            "dropped_out",
            "shared_device",
            "mobile_data_only",
            False,
            False,
            "technology_problems",
        ),
        ("ICBT03", "v1", "ongoing", None, None, None, None, None),
        (
            "ICBT03",
            "v2",
            "not_started",
            "no_device",
            "none",
            True,
            False,
            "no_device_or_connection",
        ),
        ("ICBT03", "v2", "ongoing", "own_device", "home_broadband", True, True, None),
    ]
    experience = query(
        built,
        "SELECT program_id, count(*), count(answer) FROM staging_patient_experience "
        "GROUP BY ALL ORDER BY ALL",
    )
    assert experience == [("ICBT02", 3, 2), ("ICBT03", 5, 5)]


def test_validate_checks_each_batch_against_its_version(tmp_path: Path):
    landing = tmp_path / "landing"
    plant(landing)
    result = CliRunner().invoke(main, ["validate", str(landing), "--today", str(TODAY)])
    assert result.exit_code == 1
    out = result.output
    assert "ICBT03/2026-01/episodes.csv  (csv, contract v1, 2 rows)  OK" in out
    assert "ICBT03/2026-02/episodes.csv  (csv, contract v2, 2 rows)  OK" in out
    assert "ICBT01/2026-03/episodes.csv  (csv, contract unknown, 1 row)" in out
    assert "device_access: withheld (" in out and "is not one of: own_device" in out
    assert "manifest.json" not in [line.split()[0] for line in out.splitlines() if line]


def test_v1_landing_loads_as_before_when_another_program_moves_to_v2(con, tmp_path: Path):
    """A manifest changes only its own batch: loading the same v1 files with and without a
    v2 program beside them gives the same v1 rows."""
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + lines(v1_row("1", "ICBT01")))
    first = load(con, landing)
    assert [(f.outcome, f.rows_loaded) for f in first.loaded] == [("loaded", 1), ("loaded", 1)]
    write(landing, "ICBT02/2026-01/manifest.json", V2)
    write(landing, "ICBT02/2026-01/programs.csv", PROGRAM.replace("ICBT01", "ICBT02"))
    second = load(con, landing)
    assert len(second.unchanged) == 2 and len(second.loaded) == 1
    assert con.execute("SELECT DISTINCT contract_version FROM raw_episodes").fetchall() == [("v1",)]


def test_adding_a_manifest_to_a_loaded_batch_reloads_it_under_the_new_version(con, tmp_path):
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + lines(v1_row("1", "ICBT01")))
    load(con, landing)
    write(landing, "ICBT01/2026-01/manifest.json", V2)
    report = load(con, landing)
    # Under v2 the episodes file lacks the required v2 columns: refused, not silently kept.
    assert [(f.table, f.outcome) for f in report.loaded] == [
        ("programs", "loaded"),
        ("episodes", "refused"),
    ]
    assert con.execute(
        "SELECT contract_version, count(*) FROM ingest_load_ledger "
        "WHERE superseded_at IS NULL GROUP BY ALL"
    ).fetchall() == [("v2", 2)]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"contract_version": "v1"}', BatchVersion("v1")),
        (b' {"contract_version":"v2"}\n', BatchVersion("v2")),
        (b'{"contract_version": "v2", "sender": "x"}', None),
        (b'["v2"]', None),
        (b'{"contract_version": 2}', None),
        (b"contract_version: v2", None),
        (b"\xff\xfe", None),
        (b" " * 5000 + b'{"contract_version": "v2"}', None),
    ],
)
def test_a_manifest_declares_exactly_one_known_version(content: bytes, expected):
    parsed = parse_manifest(content)
    if expected is None:
        assert parsed.version is None
        assert parsed.problem.startswith("the batch's manifest.json ")
        assert "sender" not in parsed.problem and '"x"' not in parsed.problem
    else:
        assert parsed == expected
