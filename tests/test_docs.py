"""The docs say what the code does: the SQL folders, asset groups and table prefixes they
list, the ingestion tables' columns and the configured numbers they quote are read here
from the code and `config/`, so a change to either fails until the other follows."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.definitions import build_definitions
from pipelines.lake import INGEST_TABLES
from pipelines.paths import PROJECT_ROOT
from pipelines.sql import read_sql, run_sql, sql_dir
from tests.conftest import settings_for

README = PROJECT_ROOT / "README.md"
CONVENTIONS = PROJECT_ROOT / "docs" / "conventions.md"
INGESTION = PROJECT_ROOT / "docs" / "ingestion.md"
SAFETY = PROJECT_ROOT / "docs" / "safety.md"
METHODS = PROJECT_ROOT / "docs" / "methods-effectiveness.md"
DOCS = [
    README,
    *sorted((PROJECT_ROOT / "docs").glob("*.md")),
    PROJECT_ROOT / "dashboards" / "README.md",
]
INGEST_DDL = ("ingestion/create_ingest_tables.sql", "ingestion/create_file_fingerprints.sql")
NOT_IN_WAREHOUSE = {"benchmarks"}
"""SQL folders whose tables are not warehouse tables (the bench's bare-DuckDB floor)."""

# Numbers the docs quote from config/: (doc, text with {} for each value, config file,
# dotted keys, factor from the configured unit to the doc's).
QUOTED = [
    (README, "config/suppression.yaml `threshold` = {}", "suppression", ("threshold",), 1),
    (
        PROJECT_ROOT / "docs" / "researchers.md",
        "config/suppression.yaml `threshold` = {}",
        "suppression",
        ("threshold",),
        1,
    ),
    (
        README,
        "passwords of {} to {} characters",
        "sign_in",
        ("password.min_length", "password.max_length"),
        1,
    ),
    (
        README,
        "{} hours from sign-in, {} minutes idle",
        "sign_in",
        ("session.lifetime_hours", "session.idle_minutes"),
        1,
    ),
    (
        README,
        "after {} failed sign-ins for a user name ({} from one address)",
        "sign_in",
        ("throttle.per_account.free_failures", "throttle.per_address.free_failures"),
        1,
    ),
    (README, "from {} second up to", "sign_in", ("throttle.per_account.base_delay_seconds",), 1),
    (README, "up to {} minutes", "sign_in", ("throttle.per_account.max_delay_seconds",), 1 / 60),
    (
        INGESTION,
        "`sensor.settle_seconds` ago (config/ingestion.yaml, {} s;",
        "ingestion",
        ("sensor.settle_seconds",),
        1,
    ),
    (
        INGESTION,
        "`earliest_plausible_date` (config/ingestion.yaml, {})",
        "ingestion",
        ("earliest_plausible_date",),
        1,
    ),
    (
        INGESTION,
        "`quarantine_rate_warn` of their rows (config/ingestion.yaml, {}%)",
        "ingestion",
        ("quarantine_rate_warn",),
        100,
    ),
    (
        INGESTION,
        "every {} days plus {} days of grace",
        "quality",
        ("freshness.default_cadence_days", "freshness.grace_days"),
        1,
    ),
    (INGESTION, "(its first {} batches)", "quality", ("drift.reference_batches",), 1),
    (INGESTION, "(`current_batches: {}`)", "quality", ("drift.current_batches",), 1),
    (INGESTION, "at p <= {}.", "quality", ("drift.column_threshold",), 1),
    (
        INGESTION,
        "at least {}% of the tested columns, and at least {} of them, drift",
        "quality",
        ("drift.drift_share", "drift.min_drifted_columns"),
        (100, 1),
    ),
    (
        INGESTION,
        "below {} current or {} reference episodes",
        "quality",
        ("drift.min_current_rows", "drift.min_reference_rows"),
        1,
    ),
    (
        METHODS,
        "`thresholds.confidence_level` (config/effectiveness.yaml, {}%)",
        "effectiveness",
        ("thresholds.confidence_level",),
        100,
    ),
    (
        SAFETY,
        "**Exact binomial limits** at {}% (alert) and {}% (alarm)",
        "safety",
        ("funnel.alert_level", "funnel.alarm_level"),
        100,
    ),
    (
        SAFETY,
        "winsorised at {}% at each end",
        "safety",
        ("funnel.winsorise",),
        100,
    ),
    (SAFETY, "`realert.excess_growth` = {}%", "safety_review", ("realert.excess_growth",), 100),
    (SAFETY, "`priority.decided_weight` = {}", "safety_review", ("priority.decided_weight",), 1),
    (
        METHODS,
        "IMMPACT moderate responder (improvement ≥ {}% of baseline",
        "scoring",
        ("immpact_responder.moderate_percent",),
        1,
    ),
    (
        METHODS,
        "both arms have ≥ {} analysed episodes",
        "effectiveness",
        ("thresholds.min_episodes_per_group",),
        1,
    ),
    (
        METHODS,
        "every \\|SMD\\| after weighting ≤ {}, over",
        "effectiveness",
        ("thresholds.max_abs_smd",),
        1,
    ),
    (
        METHODS,
        "≥ {}% of both cohorts have preference score in [{}, {}]",
        "effectiveness",
        (
            "thresholds.min_fraction_in_equipoise",
            "thresholds.equipoise_bounds.low",
            "thresholds.equipoise_bounds.high",
        ),
        (100, 1, 1),
    ),
    (METHODS, "{}% power, Cohen 1988", "effectiveness", ("thresholds.power",), 100),
]


def _flat(path: Path) -> str:
    return " ".join(path.read_text().split())


def _section(path: Path, heading: str) -> str:
    text = path.read_text()
    start = text.index(f"\n## {heading}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _configured(config: str, key: str) -> object:
    value = yaml.safe_load((PROJECT_ROOT / "config" / f"{config}.yaml").read_text())
    for part in key.split("."):
        value = value[part]
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _as_written(value: object, factor: float) -> str:
    if isinstance(value, date):
        return value.isoformat()
    number = round(float(value) * factor, 10)
    return str(int(number)) if number.is_integer() else f"{number:g}"


def _warehouse_tables() -> set[str]:
    """Tables and views the SQL files create, outside the folders that are not the warehouse."""
    created = re.compile(
        r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I
    )
    return {
        name
        for path in sql_dir().rglob("*.sql")
        if path.relative_to(sql_dir()).parts[0] not in NOT_IN_WAREHOUSE
        for name in created.findall(path.read_text())
    }


def test_every_sql_folder_is_described_and_every_named_folder_exists():
    folders = {p.name for p in sql_dir().iterdir() if p.is_dir()}
    assert set(re.findall(r"`sql/([a-z_]+)/`", CONVENTIONS.read_text())) == folders
    for doc in DOCS:
        named = set(re.findall(r"\bsql/([a-z_]+)/", doc.read_text()))
        assert named <= folders, (doc.name, named - folders)


def test_the_asset_groups_in_the_docs_are_the_code_locations(tmp_path):
    defs = build_definitions(settings_for(tmp_path))
    groups = {spec.group_name for spec in defs.resolve_all_asset_specs()}
    described = re.findall(r"^- `([a-z_]+)`:", _section(CONVENTIONS, "Asset groups"), re.M)
    assert set(described) == groups
    [listed] = re.findall(r"grouped by layer \(([^;)]+)", _flat(README))
    assert {name.strip() for name in listed.split(",")} == groups


def test_every_table_prefix_of_the_warehouse_is_described():
    prefixes = {name.split("_")[0] for name in _warehouse_tables()}
    described = re.findall(r"`([a-z]+)_\*`", _section(CONVENTIONS, "Warehouse naming"))
    assert set(described) == prefixes
    readme = _section(README, "For researchers: the warehouse in SQL")
    assert {p for p in prefixes if f"`{p}_`" not in readme} == set()


def test_the_ingestion_doc_lists_every_ingestion_table_with_its_columns():
    con = duckdb.connect()
    for ddl in INGEST_DDL:
        run_sql(con, read_sql(ddl))
    actual = {
        table: [
            name
            for name, _, _ in con.execute(
                read_sql("meta/table_columns.sql"), {"table_name": table}
            ).fetchall()
        ]
        for table in INGEST_TABLES
    }
    rows = re.findall(r"^\| `((?:raw|ingest)_\w+)` \| (.+) \|$", INGESTION.read_text(), re.M)
    assert {table: re.findall(r"`(\w+)`", columns) for table, columns in rows} == actual


@pytest.mark.parametrize(
    ("doc", "text", "config", "keys", "factor"),
    QUOTED,
    ids=[f"{doc.name}:{keys[0]}" for doc, _, _, keys, _ in QUOTED],
)
def test_numbers_the_docs_quote_are_the_configured_ones(doc, text, config, keys, factor):
    factors = factor if isinstance(factor, tuple) else (factor,) * len(keys)
    values = [_as_written(_configured(config, k), f) for k, f in zip(keys, factors, strict=True)]
    assert text.format(*values) in _flat(doc)
