"""`icbt validate PATH`: the pipeline's own checks, run by a sender before delivering.

PATH is a file, a batch folder (`<program>/<batch>`), a program folder or a whole
landing zone laid out as the observatory expects. Every file goes through
`examine.check_file`, the function the loader calls, so the report says exactly what
the pipeline would load, quarantine or refuse. No warehouse is needed: keys are
hashed with a throwaway random key, and episodes and the program registry are looked
up in the episodes and programs files of the same or earlier batches, under PATH or
beside it in the same landing layout (what the warehouse would already hold). When
there are none, those references cannot be checked here, and the report says so.
Each file is checked against the contract version its batch's manifest declares (v1
without one), and the report names that version.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.ingestion.examine import FileCheck, check_file
from pipelines.ingestion.frames import SOURCE_ROW
from pipelines.ingestion.landing import (
    LandingFile,
    StrayFile,
    discover,
    is_batch_id,
    is_program_id,
    settling,
)
from pipelines.ingestion.readers import scan_landing_file
from pipelines.ingestion.rules import load_rules
from pipelines.ingestion.rules import settle_seconds as configured_settle


@dataclass
class PreflightReport:
    path: Path
    checks: list[FileCheck] = field(default_factory=list)
    strays: list[StrayFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)
    misplaced: bool = False

    @property
    def ok(self) -> bool:
        return (
            not self.strays
            and not self.settling
            and not self.misplaced
            and all(c.outcome == "loaded" for c in self.checks)
        )


NOT_IN_LANDING_LAYOUT = (
    "{path} is not in a <program>/<batch>/ folder, so it cannot be checked as a "
    "delivery: put it in a folder named after the program id (e.g. ICBT04) and, inside "
    "it, one named after the delivery period (e.g. 2026-03), then validate again."
)


def landing_root(path: Path) -> Path | None:
    """The landing-zone root that PATH sits in, judged by the names of its folders: a
    file's parent must be a period and its grandparent a program id; a folder named
    like a period must sit in a program folder. None when PATH is not laid out so (a
    file on its own): nothing above PATH is ever searched."""
    path = path.absolute()
    if path.is_file() or path.is_symlink():
        batch, program = path.parent, path.parent.parent
        laid_out = is_batch_id(batch.name) and is_program_id(program.name)
        return program.parent if laid_out and program != program.parent else None
    if is_batch_id(path.name):
        return path.parent.parent if is_program_id(path.parent.name) else None
    if is_program_id(path.name) and any(is_batch_id(p.name) for p in path.iterdir()):
        return path.parent
    return path


def validate_path(path: Path, today: date, settle_seconds: float | None = None) -> PreflightReport:
    """Check PATH as the pipeline would; files modified within `settle_seconds` (default:
    `rules.settle_seconds()`) are not judged, since they may still be being written."""
    root = landing_root(path)
    if root is None:
        report = PreflightReport(path=path, misplaced=True)
        report.notes.append(NOT_IN_LANDING_LAYOUT.format(path=path))
        return report
    target = path.absolute()
    files, strays = discover(root)
    settle = configured_settle() if settle_seconds is None else settle_seconds
    young = settling(files, settle, time.time())
    files = [f for f in files if f not in young]
    inside = [f for f in files if f.path.absolute().is_relative_to(target)]
    report = PreflightReport(
        path=path,
        strays=[s for s in strays if s.path is not None and s.path.is_relative_to(target)],
        settling=[f.relative_path for f in young if f.path.is_relative_to(target)],
    )
    if not inside and not report.strays and not report.settling:
        report.notes.append(f"No landing files under {path}.")
    # Earlier batches next to PATH are what the warehouse would already hold.
    last_batch = {
        f.program_id: max(g.batch_id for g in inside if g.program_id == f.program_id)
        for f in inside
    }
    context = [
        f
        for f in files
        if f.program_id in last_batch
        and f.batch_id <= last_batch[f.program_id]
        and (f in inside or f.table in ("programs", "episodes"))
    ]
    key = secrets.token_bytes(32)
    earliest = load_rules().earliest_plausible_date
    episodes: dict[str, list[pl.Series]] = {}
    registered: dict[str, bool] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for f in context:
        group = (f.program_id, f.batch_id, f.table)
        counts[group] = counts.get(group, 0) + 1
    for f in context:
        known = pl.concat(episodes[f.program_id]) if f.program_id in episodes else None
        if f in inside and f.table not in ("programs", "episodes") and known is None:
            _note_once(
                report,
                f"{f.program_id}: no episodes file in this or an earlier batch, so whether "
                "rows refer to known episodes was not checked (the pipeline checks it).",
            )
        check = check_file(
            f,
            scan_landing_file(f),
            key=key,
            today=today,
            known_episode_ids=known,
            program_registered=registered.get(f.program_id),
            earliest_date=earliest,
            clash=counts[(f.program_id, f.batch_id, f.table)] > 1,
        )
        if f in inside:
            report.checks.append(check)
        if check.result is not None and f.table == "episodes":
            episodes.setdefault(f.program_id, []).append(check.result.valid["episode_id"])
        if check.result is not None and f.table == "programs":
            registered[f.program_id] = registered.get(f.program_id, False) or bool(
                check.result.valid.height
            )
    return report


def _note_once(report: PreflightReport, note: str) -> None:
    if note not in report.notes:
        report.notes.append(note)


def _rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n:,} rows"


def _file_lines(check: FileCheck, limit: int) -> list[str]:
    """One file's part of the report: refused, clean, or its problems grouped by field,
    value and reason, each with its number of rows and the first row numbers. Values are
    those the quarantine keeps: a short number or a contract code as typed, anything else
    withheld (its shape and a hash)."""
    f: LandingFile = check.file
    version = f.contract_version or "unknown"
    head = f"{f.relative_path}  ({f.format}, contract {version}, {_rows(check.rows_read)})"
    if check.result is None:
        return [head, f"  REFUSED: {check.refusal}"]
    rejections = check.result.rejections
    if rejections.is_empty():
        return [f"{head}  OK: every row is valid"]
    groups = (
        rejections.group_by("field", "value", "reason", maintain_order=True)
        .agg(pl.len().alias("rows"), pl.col(SOURCE_ROW).sort().head(5).alias("first"))
        .sort(pl.col("first").list.first(), nulls_last=True)
    )
    lines = [
        head,
        f"  {_rows(check.rows_loaded)} valid; {_rows(check.rows_quarantined)} would be "
        "quarantined:",
    ]
    for name, value, reason, rows, first in groups.head(limit).rows():
        where = ", ".join("-" if r is None else str(r) for r in first)
        more = ", ..." if rows > len(first) else ""
        shown = "" if value is None else (f"'{value}' " if _is_typed(value) else f"{value} ")
        lines.append(f"  {name or '(row)'}: {shown}{reason}  [{_rows(rows)}: {where}{more}]")
    if groups.height > limit:
        lines.append(f"  ... {groups.height - limit:,} more kinds of problem not shown")
    return lines


def _is_typed(value: str) -> bool:
    """True for a value shown as typed, False for a withheld one's description."""
    return not value.startswith("withheld (")


def format_report(report: PreflightReport, limit: int = 20) -> str:
    """The report a person reads: grouped by file, each problem with row, field, reason."""
    lines = [f"icbt validate: {len(report.checks)} file(s) under {report.path}", ""]
    for check in report.checks:
        lines += _file_lines(check, limit)
        lines.append("")
    for stray in report.strays:
        lines += [f"{stray.relative_path}", f"  NOT A DELIVERY: {stray.reason}", ""]
    for relative in report.settling:
        lines += [
            relative,
            "  NOT CHECKED: modified in the last few seconds, so it may still be being "
            "written; validate again when it is complete",
            "",
        ]
    lines += [f"Note: {note}" for note in report.notes]
    read = sum(c.rows_read for c in report.checks)
    valid = sum(c.rows_loaded for c in report.checks)
    refused = sum(c.outcome == "refused" for c in report.checks)
    with_errors = sum(c.outcome == "loaded_with_quarantine" for c in report.checks)
    lines += [
        f"Summary: {len(report.checks)} file(s), {refused} refused, {with_errors} with "
        f"invalid rows, {len(report.strays)} not deliveries; {read:,} rows read, "
        f"{valid:,} valid, {read - valid:,} would be quarantined.",
        "Result: OK, ready to send."
        if report.ok
        else "Result: ERRORS. Fix the files and rows above before sending.",
    ]
    return "\n".join(lines)
