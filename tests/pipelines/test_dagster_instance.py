"""The local instance's configuration: Dagster's own storage, its event log unsynced."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from pipelines.dagster_instance import UnsyncedSqliteEventLogStorage, write_instance_config


@dg.asset
def small_table() -> int:
    return 1


@pytest.fixture
def dagster_home(tmp_path: Path):
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(tmp_path)
    yield tmp_path
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous


def test_runs_are_recorded_in_the_unsynced_event_log(dagster_home: Path):
    write_instance_config(dagster_home)
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, UnsyncedSqliteEventLogStorage)
        result = dg.materialize([small_table], instance=instance)
        assert result.success
        records = instance.get_records_for_run(result.run_id, limit=1000).records
        assert any(
            r.event_log_entry.dagster_event_type == dg.DagsterEventType.RUN_SUCCESS for r in records
        )
        [event] = instance.fetch_materializations(small_table.key, limit=1).records
        assert event.run_id == result.run_id
    assert (dagster_home / "history" / "runs" / f"{result.run_id}.db").exists()


def test_a_configuration_written_by_someone_else_is_left_alone(dagster_home: Path):
    own = "telemetry:\n  enabled: true\n"
    (dagster_home / "dagster.yaml").write_text(own)
    write_instance_config(dagster_home)
    assert (dagster_home / "dagster.yaml").read_text() == own


def test_the_configuration_follows_a_moved_data_directory(tmp_path: Path):
    old, new = tmp_path / "old", tmp_path / "new"
    write_instance_config(old)
    old.rename(new)
    write_instance_config(new)
    text = (new / "dagster.yaml").read_text()
    assert str(new / "history" / "runs") in text and str(old) not in text
