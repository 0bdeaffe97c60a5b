"""Downloads that name their snapshot (the helper the pages' CSV buttons use)."""

import polars as pl

from dashboards.snapshot import stamp_download


def test_a_download_names_its_snapshot_in_the_file_and_on_every_row() -> None:
    frame = pl.DataFrame({"program": ["A", "B"], "n": ["12", "<5"]})
    stamped, name = stamp_download(frame, "overview-headlines.csv", "2026-12-07.2")
    assert name == "overview-headlines_snapshot-2026-12-07.2.csv"
    assert stamped.columns == ["snapshot_id", "program", "n"]
    assert stamped["snapshot_id"].to_list() == ["2026-12-07.2", "2026-12-07.2"]
    unstamped, same = stamp_download(frame, "x.csv", None)
    assert unstamped is frame and same == "x.csv"
