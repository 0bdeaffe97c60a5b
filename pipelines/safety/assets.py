"""Dagster assets, checks and the alert sensor of safety surveillance.

The assets are thin: they read with `sql/queries/safety_*.sql`, call the pure functions
of this package and write through the frame-fed models of `sql/safety/` and
`sql/marts/`. The signal register is the one table that is never replaced: each run
upserts into it. Its checks warn on any open signal and fail at ERROR on a severe one;
they do not block, so publication still happens and analysts see the signals. The
sensor reads the published warehouse (read-only; the build database has one writer)
and hands each signal that opened to the notifier once.
"""

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from appdb.database import AppDatabase, database_url
from appdb.reviews import ReviewStore
from pipelines.metadata import table_metadata
from pipelines.publishing.assets import PublishTarget
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.safety.config import load_safety_config
from pipelines.safety.cusum import Threshold
from pipelines.safety.inputs import data_end, read_inputs
from pipelines.safety.notifiers import NotificationError, Notifier, alert_payload, choose_notifier
from pipelines.safety.register import reconcile
from pipelines.safety.review import ItemView, alert_key
from pipelines.safety.review_assets import REGISTER, read_published_register
from pipelines.safety.surveillance import signal_episodes, survey
from pipelines.safety.tables import (
    indicator_mart,
    indicator_table,
    policy_table,
    response_time_mart,
)
from pipelines.settings import Environment, Settings, reveal, worker_count
from pipelines.sql import model, read_sql, referenced_tables, run_sql, write_frame

GROUP = "safety"


def _deps(*queries: str) -> list[dg.AssetKey]:
    return [
        dg.AssetKey(t) for q in queries for t in referenced_tables(read_sql(f"queries/{q}.sql"))
    ]


def _spec(name: str, layer: str, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        name,
        group_name=GROUP,
        kinds={"duckdb", "polars"},
        deps=deps,
        description=model(layer, name).description,
    )


@dg.multi_asset(
    specs=[_spec(n, "safety", []) for n in ("ref_safety_policy", "ref_safety_indicators")]
)
def safety_reference(warehouse: Warehouse):
    """Load the safety policy and indicator definitions from config/safety.yaml."""
    config = load_safety_config()
    with warehouse.connect() as con:
        for name, frame in (
            ("ref_safety_policy", policy_table(config)),
            ("ref_safety_indicators", indicator_table(config)),
        ):
            write_frame(con, model("safety", name), frame)
            yield dg.MaterializeResult(asset_key=name, metadata=table_metadata(con, name))


_UNIT_QUERIES = (
    "safety_programs",
    "safety_episodes",
    "safety_deterioration_units",
    "safety_item9_units",
    "safety_adverse_events",
    "safety_disengagement_units",
    "safety_process_triggers",
    "safety_data_end",
)


@dg.multi_asset(
    specs=[
        _spec("safety_units", "safety", _deps(*_UNIT_QUERIES)),
        _spec("mart_safety_reference", "marts", _deps(*_UNIT_QUERIES)),
        _spec("mart_item9_response_times", "marts", _deps(*_UNIT_QUERIES)),
        _spec("mart_safety_process_standards", "marts", _deps(*_UNIT_QUERIES)),
    ],
    check_specs=grain_check_specs(
        "safety_units",
        "mart_safety_reference",
        "mart_item9_response_times",
        "mart_safety_process_standards",
    ),
)
def safety_units(warehouse: Warehouse):
    """Every indicator's units with expected probabilities from the in-person reference."""
    config = load_safety_config()
    with warehouse.connect() as con:
        inputs = read_inputs(con, config)
        response = response_time_mart(inputs.triggers, int(config.standard_business_days.value))
        for layer, name, frame in (
            ("safety", "safety_units", inputs.units),
            ("marts", "mart_safety_reference", inputs.references),
            ("marts", "mart_item9_response_times", response),
            ("marts", "mart_safety_process_standards", inputs.standards),
        ):
            write_frame(con, model(layer, name), frame)
            yield dg.MaterializeResult(
                asset_key=name, metadata=table_metadata(con, name, profile=layer == "marts")
            )
            yield grain_check_result(con, name)


_MONITORING_DEPS = _deps("safety_units_rows", "safety_programs", "safety_data_end")


def _cached_thresholds(con: duckdb.DuckDBPyConnection) -> dict[str, Threshold]:
    """The previous run's CUSUM thresholds, if it left any."""
    columns = read_sql("meta/table_columns.sql")
    if not con.execute(columns, {"table_name": "safety_cusum_thresholds"}).fetchall():
        return {}
    rows = con.execute(read_sql("queries/safety_cusum_threshold_cache.sql")).fetchall()
    return {key: Threshold(h, arl, cycles, alarms) for key, h, arl, cycles, alarms in rows}


@dg.multi_asset(
    specs=[
        *(
            _spec(name, "marts", _MONITORING_DEPS)
            for name in ("mart_safety_indicators", "mart_safety_funnel", "mart_safety_cusum")
        ),
        _spec("safety_cusum_thresholds", "safety", _MONITORING_DEPS),
    ],
    check_specs=grain_check_specs(
        "mart_safety_indicators",
        "mart_safety_funnel",
        "mart_safety_cusum",
        "safety_cusum_thresholds",
    ),
)
def safety_monitoring(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Monthly indicators, funnel plots and CUSUM charts up to the last month of data;
    CUSUM thresholds are simulated only for charts whose inputs changed."""
    config = load_safety_config()
    with warehouse.connect() as con:
        units = con.sql(read_sql("queries/safety_units_rows.sql")).pl()
        programs = con.sql(read_sql("queries/safety_programs.sql")).pl()
        end = data_end(con)
        if end is None:
            units, end = units.clear(), datetime.now(UTC).date()
        cache = _cached_thresholds(con)
        previous = set(cache)
        # The national run is alone on the machine: its threshold simulations use every core.
        result = survey(units, end, config, cache, workers=worker_count())
        simulated = len(set(result.thresholds) - previous)
        thresholds = pl.DataFrame(
            [{"key": k, **asdict(t)} for k, t in result.thresholds.items()],
            schema={
                "key": pl.Utf8,
                "h": pl.Float64,
                "arl_months": pl.Float64,
                "cycles": pl.Int64,
                "alarm_cycles": pl.Int64,
            },
        )
        frames = {
            ("marts", "mart_safety_indicators"): indicator_mart(
                result.indicators, programs, config
            ),
            ("marts", "mart_safety_funnel"): result.funnel,
            ("marts", "mart_safety_cusum"): result.cusum,
            ("safety", "safety_cusum_thresholds"): thresholds,
        }
        context.log.info(
            f"Surveillance to {end:%Y-%m}: {result.episodes.height} signal episodes; "
            f"{len(result.thresholds)} CUSUM thresholds, {simulated} simulated"
        )
        for (layer, name), frame in frames.items():
            write_frame(con, model(layer, name), frame)
            metadata = table_metadata(con, name, profile=layer == "marts")
            if name == "safety_cusum_thresholds":
                metadata["simulated"] = dg.MetadataValue.int(simulated)
            yield dg.MaterializeResult(asset_key=name, metadata=metadata)
            yield grain_check_result(con, name)


@dg.asset(
    name=REGISTER,
    group_name=GROUP,
    kinds={"duckdb", "polars"},
    deps=_deps("safety_funnel_rows", "safety_cusum_rows", "safety_data_end"),
    description=(
        "Persistent safety signal register: each signal with program, indicator, method, "
        "opened month, status (new, ongoing, resolved) and evidence; upserted, never replaced."
    ),
    check_specs=grain_check_specs(REGISTER),
)
def safety_signal_register(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    config = load_safety_config()
    with warehouse.connect() as con:
        run_sql(con, read_sql("safety/safety_signal_register.sql"))
        funnel_rows = con.sql(read_sql("queries/safety_funnel_rows.sql")).pl()
        cusum_rows = con.sql(read_sql("queries/safety_cusum_rows.sql")).pl()
        existing = con.sql(read_sql("queries/safety_signal_register_rows.sql")).pl()
        end = data_end(con) or datetime.now(UTC).date()
        changes = reconcile(
            existing,
            signal_episodes(funnel_rows, cusum_rows, config),
            config=config,
            as_of=end,
            run_id=context.run.run_id,
            now=datetime.now(UTC).replace(tzinfo=None),
        )
        con.register("source_frame", changes.to_arrow())
        try:
            con.begin()
            run_sql(con, read_sql("safety/upsert_safety_signal_register.sql"))
            con.commit()
        except duckdb.Error:
            con.rollback()
            raise
        finally:
            con.unregister("source_frame")
        counts = changes.group_by("status").len()
        metadata = table_metadata(con, REGISTER, profile=True)
        metadata["as_of_month"] = dg.MetadataValue.text(f"{end:%Y-%m}")
        metadata["changed_by_status"] = dg.MetadataValue.json(
            {s: int(n) for s, n in counts.iter_rows()}
        )
        return dg.MaterializeResult(
            metadata=metadata, check_results=[grain_check_result(con, REGISTER)]
        )


def _open_signals(warehouse: Warehouse) -> pl.DataFrame:
    with warehouse.connect() as con:
        return con.sql(read_sql("queries/safety_open_signals.sql")).pl()


def _listing(signals: pl.DataFrame) -> dg.MetadataValue:
    lines = ["| signal | status | opened |", "|---|---|---|"]
    lines += [
        f"| {r['signal_id']} | {r['status']} | {r['opened_month']:%Y-%m} |"
        for r in signals.iter_rows(named=True)
    ]
    return dg.MetadataValue.md("\n".join(lines))


@dg.asset_check(
    asset=REGISTER,
    name="no_open_signals",
    blocking=False,
    description="WARN while any safety signal is open (new or ongoing).",
)
def no_open_signals(warehouse: Warehouse) -> dg.AssetCheckResult:
    open_signals = _open_signals(warehouse)
    return dg.AssetCheckResult(
        passed=open_signals.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"open_signals": open_signals.height, "signals": _listing(open_signals)},
    )


@dg.asset_check(
    asset=REGISTER,
    name="no_open_severe_signals",
    blocking=False,
    description=(
        "ERROR while a signal on a severe indicator (ref_safety_indicators.severe, e.g. "
        "serious adverse events or the item-9 follow-up standard) is open."
    ),
)
def no_open_severe_signals(warehouse: Warehouse) -> dg.AssetCheckResult:
    severe = _open_signals(warehouse).filter(pl.col("severe"))
    return dg.AssetCheckResult(
        passed=severe.is_empty(),
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"open_severe_signals": severe.height, "signals": _listing(severe)},
    )


class SafetyAlerts(dg.ConfigurableResource):
    """Where new safety signals are announced (see pipelines/safety/notifiers.py)."""

    webhook_url: str | None = None
    alerts_file: str
    # Where the review decisions are (refuted and closed items stay quiet): the data
    # directory, whose URL is resolved when used so a password in ICBT_APP_DATABASE_URL
    # never enters Dagster's resource settings; or an explicit URL (tests).
    app_data_dir: str | None = None
    app_database_url: str | None = None
    timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "SafetyAlerts":
        config = load_safety_config()
        return cls(
            webhook_url=reveal(Environment.read().alert_webhook_url),
            alerts_file=str(settings.reports_dir / config.alerts_file_name),
            timeout_seconds=config.alert_timeout_seconds,
            retries=config.alert_retries,
            backoff_seconds=config.alert_backoff_seconds,
            app_data_dir=str(settings.data_dir),
        )

    def review_items(self) -> dict[str, ItemView]:
        """The review item of each signal that has one (none without a database)."""
        url = self.app_database_url
        if url is None and self.app_data_dir is not None:
            url = database_url(Path(self.app_data_dir))
        if not url:
            return {}
        database = AppDatabase(url)
        try:
            database.upgrade()
            items = ReviewStore(database).items()
        finally:
            database.dispose()
        return {s.signal_id: item.view() for item in items for s in item.signals}

    def notifier(self) -> Notifier:
        return choose_notifier(
            self.webhook_url,
            Path(self.alerts_file),
            timeout_seconds=self.timeout_seconds,
            retries=self.retries,
            backoff_seconds=self.backoff_seconds,
        )


def _announced(published: Path) -> pl.DataFrame | None:
    """Announceable signals of the published warehouse; None when it has no register."""
    return read_published_register(published, "queries/safety_announced_signals.sql")


@dg.sensor(
    name="safety_alert_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Hands each newly opened safety signal to the notifier, once.",
)
def safety_alert_sensor(
    context: dg.SensorEvaluationContext, publish_target: PublishTarget, safety_alerts: SafetyAlerts
) -> dg.SkipReason:
    """The cursor is the list of alert keys already announced: a signal is sent once
    even if the register is rebuilt, and one whose delivery fails is tried again. A
    signal whose review item is refuted or closed stays quiet; when new evidence reopens
    the item, its signals are announced once more, marked reopened (review.alert_key)."""
    signals = _announced(Path(publish_target.published_database))
    if signals is None:
        return dg.SkipReason("No published signal register yet.")
    done = set(json.loads(context.cursor)["announced"]) if context.cursor else set()
    notifier = safety_alerts.notifier()
    items = safety_alerts.review_items()
    sent = 0
    try:
        for signal in signals.iter_rows(named=True):
            item = items.get(signal["signal_id"])
            key = alert_key(signal["signal_id"], item)
            if key is None or key in done:
                continue
            notifier.notify(
                {
                    **alert_payload(signal),
                    "reopened": bool(item and item.times_reopened),
                    "review_item_id": item.item_id if item else None,
                    "review_state": item.state.value if item else None,
                }
            )
            done.add(key)
            sent += 1
    except NotificationError as exc:
        context.log.warning(f"Alert delivery failed, will retry: {exc}")
    finally:
        context.update_cursor(json.dumps({"announced": sorted(done)}))
    return dg.SkipReason(f"Announced {sent} new signal(s) to {notifier.describe()}.")


safety_assets = [safety_reference, safety_units, safety_monitoring, safety_signal_register]
safety_checks = [no_open_signals, no_open_severe_signals]
