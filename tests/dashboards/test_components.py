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
    assert region.role == "region" and region.tabIndex == "0"
    markup = region.children.children
    assert markup.startswith('<table class="table table-sm table-striped')
    assert "<caption>Caption</caption>" in markup
    assert '<th scope="col">Program</th><th scope="col" class="text-end text-nowrap">' in markup
    assert '<tr><th scope="row">A</th><td class="text-end text-nowrap">12</td></tr>' in markup
    assert '<td class="text-end text-nowrap">&lt;5</td>' in markup


def test_table_escapes_every_value_it_shows() -> None:
    """The table is HTML text, so a value must never become markup."""
    frame = pl.DataFrame({"program": ["<img src=x onerror=alert(1)>"], "n": ["<b>1</b>"]})
    markup = data_table(frame, {"program": "<i>P</i>", "n": "n"}, "<script>").children.children
    assert "<img" not in markup and "<b>" not in markup and "<i>" not in markup
    assert "<script>" not in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup


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
