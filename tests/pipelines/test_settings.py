"""Every environment variable is read in one place, typed, and documented."""

from __future__ import annotations

import re

import pytest

from pipelines.paths import PROJECT_ROOT
from pipelines.settings import Environment, EnvironmentVariableError, Settings

VARIABLE = re.compile(r"\bICBT_[A-Z0-9_]*[A-Z0-9]\b")
# A read of the environment (setting DAGSTER_HOME for a child process is a write).
READ = re.compile(r"os\.environ\.get|os\.getenv|os\.environ\[[^]]+\](?!\s*=)")
CODE = ("pipelines", "dashboards", "appdb")


def _aliases() -> set[str]:
    return {str(field.alias) for field in Environment.model_fields.values()}


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = [
        str(path.relative_to(PROJECT_ROOT))
        for folder in CODE
        for path in (PROJECT_ROOT / folder).rglob("*.py")
        if path != PROJECT_ROOT / "pipelines" / "settings.py" and READ.search(path.read_text())
    ]
    assert readers == []


def test_every_documented_variable_is_a_setting() -> None:
    documents = [PROJECT_ROOT / "README.md", *(PROJECT_ROOT / "docs").glob("*.md")]
    named = {name for doc in documents for name in VARIABLE.findall(doc.read_text())}
    assert named - _aliases() == set()


def test_values_are_typed_and_blank_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICBT_WORKERS", "3")
    monkeypatch.setenv("ICBT_SETTLE_SECONDS", " ")
    monkeypatch.setenv("ICBT_DASHBOARD_AUTH", "OFF")
    environment = Environment.read()
    assert environment.workers == 3
    assert environment.settle_seconds is None
    assert environment.dashboard_auth == "off"
    monkeypatch.setenv("ICBT_WORKERS", "many")
    with pytest.raises(EnvironmentVariableError, match="ICBT_WORKERS"):
        Environment.read()


def test_secrets_never_show_in_a_printed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICBT_PSEUDONYM_KEY", "ab" * 32)
    monkeypatch.setenv("ICBT_SMTP_PASSWORD", "mail-s3cret")
    monkeypatch.setenv("ICBT_APP_DATABASE_URL", "postgresql+psycopg://u:s3cret@db/app")
    monkeypatch.setenv("ICBT_ALERT_WEBHOOK_URL", "https://hooks.example.org/s3cret")
    shown = repr(Environment.read()) + str(Environment.read().model_dump())
    assert "s3cret" not in shown and "ab" * 32 not in shown


def test_settings_take_paths_from_the_environment(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ICBT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ICBT_DUCKDB_THREADS", "1")
    settings = Settings.from_env()
    assert settings.published_database == tmp_path / "warehouse" / "observatory.duckdb"
    assert settings.duckdb_threads == 1
