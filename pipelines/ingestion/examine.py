"""One landing file checked end to end, without a warehouse.

The loader and `icbt validate` both call `check_file`, so a program's data engineer sees
before sending exactly what the pipeline will load, quarantine or refuse. Nothing is
written or shown until the identifier gate has passed: column names first, then every
value of the free-text fields and every value a check rejected (the only values that
could be stored or shown); a single finding refuses the whole file. A rejected value
that passes the gate is still shown only if it cannot identify anyone (a short number,
a contract code); any other is withheld and recorded by its shape and a keyed hash
(`disclosure`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from pipelines.contract import CONTRACT_VERSION, TableContract, load_contract, load_instruments
from pipelines.ingestion import identifiers
from pipelines.ingestion.disclosure import disclose
from pipelines.ingestion.frames import SOURCE_ROW, FileRefusedError, file_columns
from pipelines.ingestion.landing import SYMLINK_REFUSAL, LandingFile
from pipelines.ingestion.pseudonymise import Pseudonymiser
from pipelines.ingestion.readers import FileScan, estimate_rows, read_landing_file
from pipelines.ingestion.validation import BatchContext, ValidationResult, validate

CLASH_REFUSAL = "more than one file for table"


@dataclass(frozen=True)
class FileCheck:
    """What would happen to a file: its valid rows and rejections, or why it is refused."""

    file: LandingFile
    scan: FileScan
    result: ValidationResult | None
    refusal: str | None
    rows_read: int

    @property
    def rows_quarantined(self) -> int:
        return self.rows_read if self.result is None else self.result.rows_quarantined

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined

    @property
    def outcome(self) -> str:
        if self.result is None:
            return "refused"
        return "loaded_with_quarantine" if self.rows_quarantined else "loaded"


def screen_columns(
    raw: pl.DataFrame, contract: TableContract, version: str = CONTRACT_VERSION
) -> None:
    """Refuse a file with identifier, unknown or missing required columns."""
    identifiers.screen_columns(raw, contract)
    columns = file_columns(raw)
    unknown = [
        identifiers.column_label(name, position)
        for position, name in enumerate(columns, start=1)
        if name not in contract.columns
    ]
    if unknown:
        raise FileRefusedError(
            f"unknown column(s) {', '.join(unknown)}: not in contract {version} "
            f"table {contract.name}; remove them before sending"
        )
    missing = [f.name for f in contract.fields if f.required and f.name not in columns]
    if missing:
        raise FileRefusedError(f"missing required column(s): {', '.join(missing)}")


def check_file(
    f: LandingFile,
    scan: FileScan,
    *,
    key: bytes,
    today: date,
    known_episode_ids: pl.Series | None,
    program_registered: bool | None,
    earliest_date: date | None,
    clash: bool = False,
) -> FileCheck:
    """Read, screen and validate one file against its batch's contract version; never
    raises for anything in the file."""
    if f.symlink:
        return FileCheck(f, scan, None, f"the file {SYMLINK_REFUSAL}", 0)
    version = f.contract_version
    tables = load_contract(version) if version is not None else {}
    try:
        if version is None:
            raise FileRefusedError(f.manifest_problem or "the batch's contract version is unknown")
        if f.table not in tables:
            raise FileRefusedError(
                f"table {f.table} is not in contract {version}: a batch that sends it "
                'declares {"contract_version": "v2"} in its manifest.json'
            )
        if clash:
            raise FileRefusedError(
                f"{CLASH_REFUSAL} {f.table} in batch {f.program_id}/{f.batch_id}; deliver "
                "exactly one"
            )
        raw = read_landing_file(f.path, scan)
    except FileRefusedError as exc:
        return FileCheck(f, scan, None, str(exc), estimate_rows(f.path, scan, f.format))
    contract = tables[f.table]
    try:
        screen_columns(raw, contract, version)
    except FileRefusedError as exc:
        return FileCheck(f, scan, None, str(exc), raw.height)
    free_text = identifiers.free_text_fields(contract)
    findings = identifiers.find_identifier_values(raw, contract, free_text)
    ctx = BatchContext(
        f.program_id,
        today,
        known_episode_ids if f.table not in ("programs", "episodes") else None,
        load_instruments(version),
        program_registered if f.table == "episodes" else None,
        earliest_date,
    )
    result = validate(raw, contract, ctx, Pseudonymiser(key, f.program_id))
    if not result.rejections.is_empty():
        rejected = result.rejections.get_column(SOURCE_ROW).unique().implode()
        others = [c for c in contract.columns if c not in free_text]
        findings += identifiers.find_identifier_values(
            raw.filter(pl.col(SOURCE_ROW).is_in(rejected)), contract, others
        )
    try:
        identifiers.refuse_identifier_values(findings)
    except FileRefusedError as exc:
        return FileCheck(f, scan, None, str(exc), raw.height)
    shown = replace(result, rejections=disclose(result.rejections, contract, key))
    return FileCheck(f, scan, shown, None, result.rows_read)
