"""`icbt snapshots` and the researchers' example, against a real pipeline run."""

from __future__ import annotations

import re

import duckdb
import pytest
from click.testing import CliRunner

from pipelines.cli import main
from pipelines.paths import PROJECT_ROOT
from pipelines.publishing.snapshots import snapshot_ids, snapshots_dir
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build
GUIDE = PROJECT_ROOT / "docs" / "researchers.md"
EXAMPLE_ID = "2026-12-07.1"


@pytest.fixture(scope="module")
def snapshot_id(demo_build) -> str:
    kept = snapshot_ids(snapshots_dir(demo_build.settings.published_database))
    assert kept, "the demo run kept no snapshot"
    return str(kept[-1])


def _env(demo_build) -> dict[str, str]:
    return {"ICBT_DATA_DIR": str(demo_build.settings.data_dir)}


def test_the_published_file_is_the_newest_snapshot(demo_build, snapshot_id):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        stamp = con.execute("SELECT snapshot_id, run_id FROM meta_publication").fetchone()
    assert stamp == (snapshot_id, demo_build.result.run_id)


def test_icbt_snapshots_lists_id_rows_and_run(demo_build, snapshot_id):
    result = CliRunner().invoke(main, ["snapshots"], env=_env(demo_build))
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith(snapshot_id))
    assert demo_build.result.run_id in line
    _id, _day, _time, tables, rows, *_run = line.split()
    assert int(tables) > 50 and int(rows.replace(",", "")) > 10_000


def test_icbt_snapshots_tables_counts_each_table(demo_build, snapshot_id):
    result = CliRunner().invoke(main, ["snapshots", "--tables", snapshot_id], env=_env(demo_build))
    assert result.exit_code == 0, result.output
    counts = dict(line.rsplit(maxsplit=1) for line in result.output.splitlines())
    assert int(counts["meta_publication"]) == 1
    assert int(counts["mart_comparisons"].replace(",", "")) > 0
    unknown = CliRunner().invoke(
        main, ["snapshots", "--tables", "1999-01-01.1"], env=_env(demo_build)
    )
    assert unknown.exit_code != 0 and "No snapshot 1999-01-01.1" in unknown.output


def test_the_researchers_example_reopens_a_named_snapshot(
    demo_build, snapshot_id, monkeypatch, capsys
):
    section = GUIDE.read_text().split("## Which snapshot", 1)[1].split("\n## ", 1)[0]
    (example,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert EXAMPLE_ID in example
    monkeypatch.setenv("ICBT_DATA_DIR", str(demo_build.settings.data_dir))
    exec(compile(example.replace(EXAMPLE_ID, snapshot_id), str(GUIDE), "exec"), {})
    printed_id, rows = capsys.readouterr().out.split()
    assert printed_id == snapshot_id and int(rows) > 0
