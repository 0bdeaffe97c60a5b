"""Shared layout pieces: the warehouse status message and the accessible table."""

from __future__ import annotations

import polars as pl

from dashboards.components import csv_download, data_table, unavailable
from dashboards.data import MartMissingError, WarehouseNotPublishedError, WarehouseUnavailableError
from dashboards.ids import Id


def text(component: object) -> str:
    """All text inside a Dash component tree."""
    if isinstance(component, str):
        return component
    if isinstance(component, list | tuple):
        return "".join(text(c) for c in component)
    children = getattr(component, "children", None)
    return text(children) if children is not None else ""


def test_each_unavailable_state_says_what_to_do_without_server_paths() -> None:
    cases = {
        WarehouseNotPublishedError("/srv/secret/path"): "make run",
        MartMissingError("/srv/secret/path"): "next run that builds it",
        WarehouseUnavailableError("/srv/secret/path"): "Reload the page",
    }
    for error, advice in cases.items():
        alert = unavailable(error)
        assert alert.id == Id.WAREHOUSE_STATUS
        assert advice in text(alert)
        assert "/srv/secret" not in text(alert)


def test_table_has_caption_column_and_row_headers() -> None:
    frame = pl.DataFrame({"program": ["A", "B"], "n": ["12", "<5"]})
    region = data_table(frame, {"program": "Program", "n": "Paired n"}, "Caption", numeric={"n"})
    table = region.children
    caption, head, body = table.children
    assert text(caption) == "Caption"
    assert [th.scope for th in head.children.children] == ["col", "col"]
    first_row = body.children[0].children
    assert (first_row[0].scope, text(first_row[0])) == ("row", "A")
    assert "text-end" in first_row[1].className
    assert text(body.children[1].children[1]) == "<5"


def test_csv_download_neutralises_formula_cells_and_keeps_plain_numbers() -> None:
    frame = pl.DataFrame(
        {
            "program_name": [
                '=HYPERLINK("http://x")',
                "+SUM(A1)",
                "-2+3",
                "@cmd",
                "\tTabbed",
                "\rReturn",
                "Plain",
            ],
            "change": ["-0.42", "+3", "1e-3", "<5", "s", "-", "7"],
            "n": [1, 2, 3, 4, 5, 6, 7],
        }
    )
    written = pl.read_csv(csv_download(frame, "x.csv")["content"].encode(), infer_schema=False)
    assert written["program_name"].to_list() == [
        '\'=HYPERLINK("http://x")',
        "'+SUM(A1)",
        "'-2+3",
        "'@cmd",
        "'\tTabbed",
        "'\rReturn",
        "Plain",
    ]
    assert written["change"].to_list() == ["-0.42", "+3", "1e-3", "<5", "s", "'-", "7"]
    assert written["n"].to_list() == [str(n) for n in range(1, 8)]
