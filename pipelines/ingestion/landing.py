"""The landing zone: `<landing>/<program_id>/<batch_id>/<table>.<ext>`.

A batch is one delivery period of one program (the demo uses months, `YYYY-MM`). Files
are discovered in the order they must load: by program, by batch, and within a batch by
contract table order, so episodes load before the rows that refer to them. A FHIR Bulk
Data export keeps its resource-type file name: `QuestionnaireResponse.ndjson` is the
batch's `prom_responses`. A batch's `manifest.json` names the contract version its files
follow (`manifest`); it is read with the batch, never loaded as a table.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.contract import ALL_TABLES, CONTRACT_VERSION, load_contract
from pipelines.ingestion.manifest import MANIFEST_NAME, BatchVersion, batch_version

BATCH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
"""A batch is a real delivery period, `YYYY-MM` with a month 01 to 12: names that sort
as text in time order, and the months Dagster partitions by."""
FHIR_FILES = {"QuestionnaireResponse.ndjson": "prom_responses"}
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "fhir_ndjson"}
SYMLINK_REFUSAL = (
    "is a symbolic link, and links are never followed (nothing was read through it): "
    "copy the file or folder itself into the landing zone"
)
_PROCESS_KEY = secrets.token_bytes(32)
"""Hashes withheld names when no pseudonymisation key is given (`icbt validate` has
none): repeats match within one report, and nothing can be recovered afterwards."""


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    program_id: str
    batch_id: str
    table: str
    format: str
    symlink: bool = False
    contract_version: str | None = CONTRACT_VERSION
    """The version its batch's manifest declares; None when the manifest is refused."""
    manifest_problem: str | None = None


@dataclass(frozen=True)
class StrayFile:
    """Something in the landing zone that is not a delivery; reported, never loaded.

    `relative_path` shows each part of the path only if it is a valid program id, period
    or file name; any other part is withheld (shape and hash), since a sender may name a
    folder after a patient. `path` is the real path, for filtering, never for messages.
    """

    relative_path: str
    reason: str
    path: Path | None = None


def is_delivery(path: Path) -> bool:
    """False for hidden files and writers' temporary files, which are never deliveries."""
    return not path.name.startswith(".") and ".tmp" not in path.suffixes


def is_program_id(name: str) -> bool:
    pattern = load_contract()["programs"].field("program_id").pattern
    return re.fullmatch(pattern, name) is not None and not _looks_identifying(name)


def is_batch_id(name: str) -> bool:
    return re.fullmatch(BATCH_PATTERN, name) is not None


def _looks_identifying(name: str) -> bool:
    """A folder name the identifier gate would refuse as a value (a health number, a
    phone number, a date...)."""
    from pipelines.ingestion.identifiers import name_kind

    return name_kind(name) is not None


def _table_file(name: str) -> bool:
    stem = name.split(".", 1)[0]
    return (
        name in FHIR_FILES
        or name == MANIFEST_NAME
        or (stem in ALL_TABLES and file_format(Path(name)) is not None)
    )


def shown_path(parts: tuple[str, ...], key: bytes | None = None) -> str:
    """A landing path as messages show it: program, period and table file names as they
    are, anything else withheld."""
    from pipelines.ingestion.disclosure import shown_name

    shown = []
    for depth, part in enumerate(parts):
        allowed = (
            _table_file(part)
            or (depth == 0 and is_program_id(part))
            or (depth == 1 and is_batch_id(part))
        )
        shown.append(shown_name(key or _PROCESS_KEY, part, allowed))
    return "/".join(shown)


def classify(landing_dir: Path, path: Path, key: bytes | None = None) -> LandingFile | StrayFile:
    """What a file under the landing zone is: a contract table file or a stray (named in
    messages with withheld parts hashed under `key`, the pseudonymisation key)."""
    relative = path.relative_to(landing_dir)
    parts = relative.parts
    shown = shown_path(parts, key)

    def stray(reason: str) -> StrayFile:
        return StrayFile(shown, reason, path)

    if len(parts) != 3:
        return stray("not in a <program>/<batch>/ folder")
    program_id, batch_id, name = parts
    if not is_program_id(program_id):
        return stray("the program folder name is not a program id (e.g. ICBT04)")
    if not is_batch_id(batch_id):
        return stray("the batch folder name is not a delivery period YYYY-MM (e.g. 2026-03)")
    fmt = file_format(relative)
    table = FHIR_FILES.get(name) if fmt == "fhir_ndjson" else name.split(".", 1)[0]
    if fmt is None:
        return stray("not a supported file type (.csv, .parquet, .jsonl, .ndjson)")
    if fmt == "fhir_ndjson" and table is None:
        return stray("FHIR NDJSON must be named QuestionnaireResponse.ndjson")
    if table not in ALL_TABLES:
        return stray("the file name is not a contract table")
    return LandingFile(
        path, str(relative), program_id, batch_id, table, fmt, symlink=path.is_symlink()
    )


def _walk(landing_dir: Path) -> tuple[list[Path], list[Path]]:
    """Every delivery file under the landing zone, and every symbolic link (to a file or
    a folder), which is reported rather than followed or silently skipped."""
    found: list[Path] = []
    links: list[Path] = []
    for folder, dirs, names in os.walk(landing_dir, followlinks=False):
        base = Path(folder)
        for name in list(dirs):
            if (base / name).is_symlink():
                dirs.remove(name)
                if is_delivery(base / name):
                    links.append(base / name)
        for name in names:
            candidate = base / name
            if is_delivery(candidate) and (candidate.is_symlink() or candidate.is_file()):
                found.append(candidate)
    return sorted(found), sorted(links)


def discover(
    landing_dir: Path, key: bytes | None = None
) -> tuple[list[LandingFile], list[StrayFile]]:
    """Delivery files in load order, and strays. A symbolic link to a file at a delivery's
    place is a delivery refused unread (so the ledger records it); any other link, such
    as a linked batch folder, is a stray with the same message."""
    files: list[LandingFile] = []
    strays: list[StrayFile] = []
    if not landing_dir.is_dir():
        return files, strays
    found, links = _walk(landing_dir)
    for link in links:
        relative = link.relative_to(landing_dir)
        shown = shown_path(relative.parts, key)
        strays.append(StrayFile(shown, SYMLINK_REFUSAL, link))
    versions: dict[Path, BatchVersion] = {}
    for path in found:
        if path.name == MANIFEST_NAME and _in_batch_folder(landing_dir, path):
            continue
        item = classify(landing_dir, path, key)
        if isinstance(item, StrayFile) and path.is_symlink():
            item = StrayFile(item.relative_path, SYMLINK_REFUSAL, path)
        if isinstance(item, LandingFile):
            batch = versions.setdefault(path.parent, batch_version(path.parent))
            item = replace(item, contract_version=batch.version, manifest_problem=batch.problem)
        (strays if isinstance(item, StrayFile) else files).append(item)
    order = {t: i for i, t in enumerate(ALL_TABLES)}
    files.sort(key=lambda f: (f.program_id, f.batch_id, order[f.table], f.relative_path))
    strays.sort(key=lambda s: s.relative_path)
    return files, strays


def _in_batch_folder(landing_dir: Path, path: Path) -> bool:
    """A manifest in a valid `<program>/<batch>/` folder describes that batch; anywhere
    else it is a stray like any other file."""
    parts = path.relative_to(landing_dir).parts
    return len(parts) == 3 and is_program_id(parts[0]) and is_batch_id(parts[1])


def settling(files: list[LandingFile], settle_seconds: float, now: float) -> list[LandingFile]:
    """Files modified less than `settle_seconds` ago: a sender that writes in place may
    still be writing them, so no path loads or judges them until they are quiet."""
    if settle_seconds <= 0:
        return []
    return [f for f in files if not f.symlink and now - f.path.lstat().st_mtime < settle_seconds]
