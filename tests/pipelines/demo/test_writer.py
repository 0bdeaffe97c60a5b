"""Landing files become visible only whole, under their final names."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from pipelines.demo.archetypes import ARCHETYPES
from pipelines.demo.dates import Window
from pipelines.demo.writer import ProgramWriter
from tests.pipelines.demo.landing import read_file


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_files_appear_only_when_the_program_is_published(tmp_path, fmt):
    writer = ProgramWriter(tmp_path / "ICBT01", Window(date(2025, 1, 1), 2), fmt)
    event = pl.DataFrame(
        {
            "episode_key": ["E1"],
            "event_date": [date(2025, 1, 5)],
            "category": ["pain_flare"],
            "severity": ["mild"],
            "serious": [False],
            "relatedness": ["unlikely"],
        }
    )
    writer.write("adverse_events", np.array([0]), event)
    writer.write("adverse_events", np.array([0]), event)  # a second chunk appends
    assert _files(tmp_path) == [f"ICBT01/2025-01/.adverse_events.{fmt}.tmp"]
    assert writer.publish(ARCHETYPES[0].row(), range(2)) == 3
    assert _files(tmp_path) == [
        f"ICBT01/2025-01/adverse_events.{fmt}",
        f"ICBT01/2025-01/programs.{fmt}",
        f"ICBT01/2025-02/programs.{fmt}",
    ]
    written = read_file(tmp_path / f"ICBT01/2025-01/adverse_events.{fmt}", "adverse_events")
    assert written.to_dicts() == event.vstack(event).to_dicts()
    if fmt == "csv":
        text = (tmp_path / "ICBT01/2025-01/adverse_events.csv").read_text().splitlines()
        assert text[1:] == ["E1,2025-01-05,pain_flare,mild,false,unlikely"] * 2
