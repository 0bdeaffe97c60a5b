"""A timepoint is due when its window has closed by its own program's as-of date: a
program whose deliveries lag months behind another's is not counted incomplete for
questionnaires it has not yet had to deliver."""

from __future__ import annotations

from pathlib import Path

from benchmarks.without_ingestion import build_without_ingestion
from tests.pipelines.ingestion.conftest import EPISODES_HEADER, PROGRAM, PROM_HEADER, episode, write


def _baseline(key: str, day: str) -> str:
    return "".join(f"E{key},PHQ9,{day},{item},2\n" for item in range(1, 10))


def test_due_is_judged_against_each_programs_own_latest_delivery(tmp_path: Path):
    landing = tmp_path / "landing"
    for program in ("ICBT01", "ICBT02"):
        write(landing, f"{program}/2026-01/programs.csv", PROGRAM.replace("ICBT01", program))
        write(
            landing,
            f"{program}/2026-01/episodes.csv",
            EPISODES_HEADER + episode("1", program=program),
        )
        write(
            landing,
            f"{program}/2026-01/prom_responses.csv",
            PROM_HEADER + _baseline("1", "2026-01-05"),
        )
    # ICBT02 delivers on to December; ICBT01's deliveries stop in January (they lag).
    write(
        landing,
        "ICBT02/2026-12/prom_responses.csv",
        PROM_HEADER + "E1,PHQ9,2026-12-01,1,1\n",
    )
    warehouse = build_without_ingestion(
        landing, tmp_path / "build.duckdb", then=("int_effectiveness_episodes",)
    )
    with warehouse.connect() as con:
        rows = con.execute(
            "SELECT program_id, bool_or(is_due), max(as_of_date)::VARCHAR "
            "FROM int_effectiveness_episodes WHERE timepoint = 'post_treatment' "
            "GROUP BY program_id ORDER BY program_id"
        ).fetchall()
    assert rows == [("ICBT01", False, "2026-01-05"), ("ICBT02", True, "2026-12-01")]
