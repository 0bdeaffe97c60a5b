"""Landing files become visible only whole, under their final names."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from pipelines.demo.archetypes import ARCHETYPES
from pipelines.demo.dates import Window
from pipelines.demo.writer import ProgramWriter


def _files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_files_appear_only_when_the_program_is_published(tmp_path):
    writer = ProgramWriter(tmp_path / "ICBT01", Window(date(2025, 1, 1), 2), "csv")
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
    writer.write("adverse_events", np.array([0]), event)
    assert _files(tmp_path) == ["ICBT01/2025-01/.adverse_events.csv.tmp"]
    assert writer.publish(ARCHETYPES[0].row(), range(2)) == 3
    assert _files(tmp_path) == [
        "ICBT01/2025-01/adverse_events.csv",
        "ICBT01/2025-01/programs.csv",
        "ICBT01/2025-02/programs.csv",
    ]
    text = (tmp_path / "ICBT01/2025-01/adverse_events.csv").read_text().splitlines()
    assert text[0].startswith("episode_key,") and len(text) == 3
    assert text[1] == "E1,2025-01-05,pain_flare,mild,false,unlikely"
