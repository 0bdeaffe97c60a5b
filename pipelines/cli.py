"""`icbt`: the observatory's command line.

Each command does one thing and reads its paths from the environment (see
`pipelines.settings`), so `make run` is just `icbt keygen`, `icbt generate --if-empty`,
`icbt run` and `icbt serve` in a row.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import click

from pipelines.settings import Environment, EnvironmentVariableError, Settings


def _settings() -> Settings:
    """The settings, or a one-line error naming the malformed environment variable."""
    try:
        return Settings.from_env()
    except EnvironmentVariableError as exc:
        raise click.ClickException(str(exc)) from exc


def prepare_dagster_home(settings: Settings) -> Path:
    """Point Dagster at a persistent instance under the data directory."""
    from pipelines.dagster_instance import write_instance_config

    home = settings.dagster_home
    write_instance_config(home)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


class IcbtGroup(click.Group):
    """Ends a command that hits a full disk, a read-only data directory or a permission
    problem with one plain sentence instead of a traceback."""

    def invoke(self, ctx: click.Context):
        from pipelines.storage_errors import storage_problem, storage_sentence

        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(exc, click.ClickException | click.exceptions.Exit):
                raise
            problem = storage_problem(exc)
            if problem is None:
                raise
            raise click.ClickException(storage_sentence(problem, _settings().data_dir)) from exc


@click.group(cls=IcbtGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Outcomes observatory for internet-delivered CBT for chronic pain.

    Paths come from ICBT_DATA_DIR (default: ./data); the pseudonymisation key from
    ICBT_PSEUDONYM_KEY or ICBT_PSEUDONYM_KEY_FILE.
    """


@main.command()
def keygen() -> None:
    """Create the secret key that pseudonymises patient and episode keys, if missing.

    The key file lives outside the repository (default
    ~/.config/icbt-observatory/pseudonym.key, mode 600). Losing it breaks linkage of
    later deliveries to earlier ones; keep it like any other secret.
    """
    from pipelines.ingestion.pseudonymise import create_key_file

    settings = _settings()
    created = create_key_file(settings.pseudonym_key_file)
    state = "created" if created else "already exists"
    click.echo(f"Pseudonymisation key {state}: {settings.pseudonym_key_file}")


@main.command()
@click.option(
    "--episodes",
    "n_episodes",
    type=int,
    default=20_000,
    show_default=True,
    help="Number of episodes across all programs.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option(
    "--months", type=int, default=24, show_default=True, help="Number of monthly delivery batches."
)
@click.option(
    "--end-month",
    type=click.DateTime(["%Y-%m"]),
    default=None,
    help="Last delivered month (YYYY-MM); default: the month before this one.",
)
@click.option("--no-safety-signal", is_flag=True, help="Do not plant the deterioration rise.")
@click.option("--no-drift", is_flag=True, help="Do not plant the case-mix shift.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the landing zone has files.")
def generate(
    n_episodes: int,
    seed: int,
    months: int,
    end_month,
    no_safety_signal: bool,
    no_drift: bool,
    if_empty: bool,
) -> None:
    """Write synthetic, contract-conformant landing files for fictional programs.

    Sixteen fictional iCBT program archetypes and four in-person CBT clinics, with
    known truths (each program's effect relative to in-person CBT, a planted safety
    signal, a planted case-mix drift) written to <data>/demo/truth.json.
    """
    from pipelines.demo.config import GeneratorConfig, default_end_month
    from pipelines.demo.generator import generate as generate_demo

    settings = _settings()
    landing = settings.landing_dir
    if if_empty and landing.is_dir() and any(landing.iterdir()):
        click.echo(f"Landing zone {landing} already has data; not generating.")
        return
    config = GeneratorConfig(
        n_episodes=n_episodes,
        seed=seed,
        months=months,
        end_month=end_month.date().replace(day=1) if end_month else default_end_month(date.today()),
        plant_safety_signal=not no_safety_signal,
        plant_drift=not no_drift,
    )
    click.echo(f"Generating {n_episodes:,} episodes over {months} months into {landing} ...")
    generate_demo(landing, settings.demo_dir / "truth.json", config)
    click.echo(f"Done. Planted truths: {settings.demo_dir / 'truth.json'}")


@main.command(name="run")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Programs built at the same time (default: ICBT_WORKERS or one per core).",
)
@click.option(
    "--brief/--no-brief",
    default=True,
    show_default=True,
    help="Write the evidence brief of the new snapshot after publishing (benchmarks: off).",
)
def run_pipeline(workers: int | None, brief: bool) -> None:
    """Load new deliveries, rebuild what they change, publish, write the brief.

    Each program with new or changed files gets its own Dagster runs (its delivery
    months into the lake, then its per-program tables), several programs at once; then
    one national run rebuilds the national tables and publishes, and the
    `write_evidence_brief` job writes the brief of the snapshot it published. Runs are
    recorded in <data>/dagster_home, so `icbt dev` shows their history.
    """
    from datetime import UTC, datetime

    import dagster as dg

    from pipelines.brief.assets import BRIEF_JOB
    from pipelines.definitions import build_definitions
    from pipelines.orchestration import build_all, plan
    from pipelines.progress import SessionProgress, log_file_path, quiet_console

    settings = _settings()
    prepare_dagster_home(settings)
    report = plan(settings)
    for stray in report.strays:
        click.echo(f"Not loaded: {stray.relative_path}: {stray.reason}")
    for relative in report.settling:
        click.echo(f"Not loaded yet: {relative} is still being written; the next run loads it")
    rebuilt = [program for program, months in report.pending.items() if not months]
    click.echo(
        f"{len(report.pending) - len(rebuilt)} program(s) with new or changed deliveries "
        f"({sum(map(len, report.pending.values()))} program-months)"
        + (f", {len(rebuilt)} whose tables an earlier version wrote" if rebuilt else "")
        + ", then the national tables."
    )
    log_path = log_file_path(settings.data_dir, datetime.now(UTC))
    with (
        dg.DagsterInstance.get() as instance,
        SessionProgress(
            instance,
            report.session_id,
            log_path,
            stream=sys.stdout,
            partitions_total=len(report.pending),
        ),
    ):
        build_all(settings, workers=workers, report=report)
    if not report.success:
        sys.exit(1)
    click.echo(f"Published: {settings.published_database}")
    if not brief:
        return
    # The brief follows publication in its own run; if it cannot be printed the warehouse
    # is still published, so report it without failing the command.
    brief_job = build_definitions(settings).resolve_job_def(BRIEF_JOB)
    with dg.DagsterInstance.get() as instance:
        written = brief_job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=quiet_console()
        )
    if written.success:
        click.echo(f"Evidence brief written beside the snapshot (run {written.run_id}).")
    else:
        click.echo(
            f"The evidence brief could not be written (run {written.run_id}); the warehouse is "
            "published. Retry with `icbt brief`.",
            err=True,
        )


@main.command()
@click.option(
    "--tables",
    "tables_of",
    metavar="ID",
    default=None,
    help="Instead of the list, the row count of every table of snapshot ID.",
)
def snapshots(tables_of: str | None) -> None:
    """List the kept snapshots of the published warehouse, newest first.

    Each has an id (UTC date and sequence, e.g. 2026-12-07.1), the run and code version
    that made it and its row count; reopen one read-only at
    <data>/warehouse/snapshots/<id>/observatory.duckdb (docs/researchers.md).
    """
    from pipelines.publishing.snapshots import (
        describe,
        list_snapshots,
        snapshot_database,
        snapshots_dir,
    )

    settings = _settings()
    if tables_of is not None:
        try:
            info = describe(snapshot_database(tables_of, settings))
        except (ValueError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from exc
        for table, rows in info.table_rows.items():
            click.echo(f"{table:<45} {rows:>12,}")
        click.echo(f"{'total':<45} {info.total_rows:>12,}")
        return
    directory = snapshots_dir(settings.published_database)
    kept = list_snapshots(directory)
    if not kept:
        click.echo(f"No snapshots in {directory} yet; `icbt run` publishes the first.")
        return
    click.echo(f"{'snapshot':<14} {'published (UTC)':<19} {'tables':>6} {'rows':>12}  run, code")
    for info in kept:
        click.echo(
            f"{info.snapshot_id:<14} {info.published_at:%Y-%m-%d %H:%M:%S} "
            f"{len(info.table_rows):>6} {info.total_rows:>12,}  "
            f"{info.run_id or '-'}, {info.code_version or '-'}"
        )
    click.echo(f"Files: {directory}/<snapshot>/observatory.duckdb")


@main.command(name="brief")
@click.option(
    "--snapshot",
    "snapshot_id",
    metavar="ID",
    default=None,
    help="Snapshot id (from `icbt snapshots`); default: the one published now.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for brief-<id>.html and .pdf; default: the snapshot's own folder.",
)
def brief_command(snapshot_id: str | None, out_dir: Path | None) -> None:
    """Write the evidence brief of a snapshot: the HTA's questions answered, HTML and PDF.

    The same snapshot and code give the same HTML, byte for byte, apart from the line
    that says when it was generated. Printed by Debian's Chromium (/usr/bin/chromium).
    """
    from pipelines.brief.assets import current_snapshot
    from pipelines.brief.build import build_brief
    from pipelines.brief.render import RendererUnavailableError
    from pipelines.publishing.snapshots import snapshot_database

    settings = _settings()
    try:
        chosen = snapshot_id or current_snapshot(settings.published_database)
        database = snapshot_database(chosen, settings)
        files = build_brief(database, out_dir or database.parent)
    except (ValueError, FileNotFoundError, RendererUnavailableError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Brief of snapshot {files.snapshot_id}:\n  {files.html}\n  {files.pdf}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=lambda: Environment.read().port,
    show_default="8050 or $ICBT_PORT",
)
@click.option("--debug", is_flag=True, help="Dash debug mode (hot reload, dev tools).")
@click.option(
    "--demo",
    is_flag=True,
    help="No sign-in, every page shown with a demo banner (127.0.0.1 only); what make run uses.",
)
def serve(host: str, port: int, debug: bool, demo: bool) -> None:
    """Serve the analysts' dashboard from the published warehouse (read-only).

    Runs on waitress, a production WSGI server (--debug: Flask's development server, on
    127.0.0.1 only). Sign-in is required unless --demo (or ICBT_DASHBOARD_AUTH=off): add
    users with `icbt user add`. Sessions and sign-in attempts are kept in the application
    database (ICBT_APP_DATABASE_URL, default SQLite in the data directory).
    """
    from appdb.database import AppDatabaseError
    from dashboards.app import serve as serve_app
    from dashboards.auth import AuthError

    settings = _settings()
    mode = " (demo mode: no sign-in)" if demo else ""
    click.echo(f"Dashboard on http://{host}:{port}/{mode} reading {settings.published_database}")
    try:
        serve_app(settings, host=host, port=port, debug=debug, demo=demo)
    except (AuthError, AppDatabaseError, EnvironmentVariableError) as exc:
        raise click.ClickException(str(exc)) from exc


def _end_sessions(name: str) -> int:
    """End every session of `name` in the application database; how many were open."""
    from appdb.database import AppDatabase
    from appdb.sessions import SessionStore
    from dashboards.auth import load_sign_in_rules

    database = AppDatabase.from_data_dir(_settings().data_dir)
    try:
        database.upgrade()
        return SessionStore(database, load_sign_in_rules().session).end_for_user(name)
    finally:
        database.dispose()


@main.group()
def user() -> None:
    """Dashboard users (ICBT_DASHBOARD_USERS; passwords stored as scrypt hashes)."""


@user.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(["analyst", "viewer"]), required=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
def user_add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user, or set an existing user's role and password (ending their sessions).

    Analysts see every page; viewers only pages published for them. The password is
    asked for twice (or read from stdin); it needs at least 12 characters and must not be
    a common or easily guessed one (config/sign_in.yaml). Only its scrypt hash is written.
    """
    from dashboards.auth import AuthConfig, UserStore

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = UserStore(AuthConfig.from_env().users_file)
    try:
        created = store.add(name, role, password)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(f"{'Added' if created else 'Updated'} {name} ({role}) in {store.path}")
    if not created:
        click.echo(f"Ended {_end_sessions(name)} open session(s) of {name}.")


@user.command(name="remove")
@click.argument("name")
def user_remove(name: str) -> None:
    """Remove a user and end their open sessions at once."""
    from dashboards.auth import AuthConfig, UserStore

    store = UserStore(AuthConfig.from_env().users_file)
    if not store.remove(name):
        raise click.ClickException(f"No user {name!r} in {store.path}")
    click.echo(f"Removed {name} from {store.path}; ended {_end_sessions(name)} open session(s).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=3000, show_default=True)
def dev(host: str, port: int) -> None:
    """Open the Dagster UI on the code location (assets, checks, jobs, schedules, runs)."""
    import signal

    from pipelines.paths import PROJECT_ROOT

    prepare_dagster_home(_settings())
    # A shell that started us in the background may have set SIGINT to "ignore"; dagster
    # dev copies that to SIGTERM and then cannot be stopped, so restore both defaults.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    dagster = str(Path(sys.executable).with_name("dagster"))
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    os.execv(dagster, [dagster, "dev", "-w", workspace, "-h", host, "-p", str(port)])


@main.command(name="contract-docs")
def contract_docs() -> None:
    """Regenerate the field tables in docs/data-contract.md from contracts/."""
    from pipelines.contract_docs import replace_generated
    from pipelines.paths import PROJECT_ROOT

    document = PROJECT_ROOT / "docs" / "data-contract.md"
    document.write_text(replace_generated(document.read_text()))
    click.echo(f"Updated {document}")


@main.command(name="dq-status")
def dq_status() -> None:
    """Re-apply the thresholds of config/dq_checks.yaml to the stored data-quality counts.

    Reloads ref_dq_checks in the build database and prints every check's status from the
    view dq_check_status: no check is re-run, as with OHDSI DQD's reEvaluateThresholds.
    The next publication carries the new statuses to readers.
    """
    from pipelines.quality.config import load_dq_checks
    from pipelines.quality.dq import checks_frame
    from pipelines.resources import Warehouse
    from pipelines.sql import model, read_sql, write_frame

    with Warehouse.from_settings(_settings()).connect() as con:
        write_frame(con, model("quality", "ref_dq_checks"), checks_frame(load_dq_checks()))
        rows = con.sql(read_sql("quality/dq_check_status_rows.sql")).pl()
    for row in rows.iter_rows(named=True):
        pct = "-" if row["pct_violated_rows"] is None else f"{row['pct_violated_rows']:.2f}%"
        click.echo(
            f"{row['status']:<15} {row['check_id']:<45} {pct:>8} "
            f"(threshold {row['threshold_pct']:g}%, was {row['status_when_run']})"
        )


@main.command(name="validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--limit", type=int, default=20, show_default=True, help="Problems listed per file.")
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge 'in the future' against this date (default: today).",
)
def validate_command(path: Path, limit: int, today) -> None:
    """Check landing files against the contract before sending them.

    PATH is a file, a batch folder (<program>/<batch>), a program folder or a landing
    zone. Runs the pipeline's own checks (identifier gate, types, ranges, dates,
    duplicates, references) without a warehouse and prints a report by file, row and
    field. Exit code 1 if any file would be refused or any row quarantined.
    """
    from pipelines.ingestion.preflight import format_report, validate_path

    report = validate_path(path, today.date() if today else date.today())
    click.echo(format_report(report, limit=limit))
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
