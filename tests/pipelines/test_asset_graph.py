"""The asset graph, checked in: every asset's key, group, partitions and dependencies, and
its checks, as `pipelines.definitions` builds them, compared with `asset_graph.json`.

A change to the graph (a new asset or check, a dependency read from a changed query, a
regrouped table) fails this test until the snapshot is regenerated on purpose and the
diff reviewed with the change:

    .venv/bin/python -m tests.pipelines.test_asset_graph
"""

from __future__ import annotations

import difflib
import json
import tempfile
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from tests.conftest import settings_for

SNAPSHOT = Path(__file__).with_name("asset_graph.json")
REGENERATE = "python -m tests.pipelines.test_asset_graph"


def _partitions(definition: dg.PartitionsDefinition | None) -> str | None:
    """A partitions definition by name: its dimensions' names for a multi-partitioned one."""
    if definition is None:
        return None
    if isinstance(definition, dg.MultiPartitionsDefinition):
        return " x ".join(dimension.name for dimension in definition.partitions_defs)
    return getattr(definition, "name", None) or type(definition).__name__


def asset_graph_snapshot(data_dir: Path) -> dict[str, dict[str, object]]:
    """Each asset of the code location with its group, partitions, upstream assets and
    check names, keyed and sorted by asset key."""
    graph = build_definitions(settings_for(data_dir)).get_repository_def().asset_graph
    checks: dict[dg.AssetKey, list[str]] = {}
    for check_key in graph.asset_check_keys:
        checks.setdefault(check_key.asset_key, []).append(check_key.name)
    return {
        key.to_user_string(): {
            "group": node.group_name,
            "partitions": _partitions(node.partitions_def),
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(checks.get(key, [])),
        }
        for key, node in sorted(
            ((node.key, node) for node in graph.asset_nodes), key=lambda kv: kv[0].to_user_string()
        )
    }


def render(snapshot: dict[str, dict[str, object]]) -> str:
    return json.dumps(snapshot, indent=2) + "\n"


def test_asset_graph_matches_the_checked_in_snapshot(tmp_path: Path) -> None:
    current, checked_in = render(asset_graph_snapshot(tmp_path)), SNAPSHOT.read_text()
    diff = difflib.unified_diff(
        checked_in.splitlines(keepends=True),
        current.splitlines(keepends=True),
        fromfile=f"{SNAPSHOT.name} (checked in)",
        tofile="the graph the code builds",
    )
    assert current == checked_in, (
        f"the asset graph changed; if on purpose, regenerate {SNAPSHOT.name} with "
        f"`{REGENERATE}` and commit its diff:\n{''.join(diff)}"
    )


def test_the_snapshot_names_every_layer_and_a_check() -> None:
    """Guards the snapshot itself against being regenerated from an empty graph."""
    snapshot = json.loads(SNAPSHOT.read_text())
    groups = {asset["group"] for asset in snapshot.values()}
    assert {"staging", "intermediate", "marts"} <= groups
    assert any(asset["checks"] for asset in snapshot.values())
    assert snapshot["staging_episodes"]["deps"] == ["raw_episodes", "staging_programs"]


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as data_dir:
        SNAPSHOT.write_text(render(asset_graph_snapshot(Path(data_dir))))
    print(f"wrote {SNAPSHOT}")
