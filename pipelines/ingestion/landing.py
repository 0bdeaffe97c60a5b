"""The landing zone: `<landing>/<program_id>/<batch_id>/<table>.<ext>`.

A batch is one delivery period of one program (the demo uses months, `YYYY-MM`). Files
are discovered in the order they must load: by program, by batch, and within a batch by
contract table order, so episodes load before the rows that refer to them. A FHIR Bulk
Data export keeps its resource-type file name: `QuestionnaireResponse.ndjson` is the
batch's `prom_responses`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import TABLES, load_contract

BATCH_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$"
FHIR_FILES = {"QuestionnaireResponse.ndjson": "prom_responses"}
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "fhir_ndjson"}


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


@dataclass(frozen=True)
class StrayFile:
    """A file in the landing zone that is not a contract table; reported, never loaded."""

    relative_path: str
    reason: str


def is_delivery(path: Path) -> bool:
    """False for hidden files and writers' temporary files, which are never deliveries."""
    return not path.name.startswith(".") and ".tmp" not in path.suffixes


def classify(landing_dir: Path, path: Path) -> LandingFile | StrayFile:
    """What a file under the landing zone is: a contract table file or a stray."""
    relative = path.relative_to(landing_dir)
    if len(relative.parts) != 3:
        return StrayFile(str(relative), "not in a <program>/<batch>/ folder")
    program_id, batch_id, name = relative.parts
    if re.fullmatch(load_contract()["programs"].field("program_id").pattern, program_id) is None:
        return StrayFile(str(relative), "the program folder is not a program id (e.g. ICBT04)")
    if re.fullmatch(BATCH_PATTERN, batch_id) is None:
        return StrayFile(str(relative), "the batch folder name is not a batch id (e.g. 2026-03)")
    fmt = file_format(relative)
    table = FHIR_FILES.get(name) if fmt == "fhir_ndjson" else name.split(".", 1)[0]
    if fmt is None:
        return StrayFile(str(relative), f"unsupported file type '{relative.suffix}'")
    if fmt == "fhir_ndjson" and table is None:
        return StrayFile(str(relative), "FHIR NDJSON must be named QuestionnaireResponse.ndjson")
    if table not in TABLES:
        return StrayFile(str(relative), f"'{table}' is not a contract table")
    return LandingFile(path, str(relative), program_id, batch_id, table, fmt)


def discover(landing_dir: Path) -> tuple[list[LandingFile], list[StrayFile]]:
    files: list[LandingFile] = []
    strays: list[StrayFile] = []
    if not landing_dir.is_dir():
        return files, strays
    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file() and is_delivery(p)):
        found = classify(landing_dir, path)
        (strays if isinstance(found, StrayFile) else files).append(found)
    order = {t: i for i, t in enumerate(TABLES)}
    files.sort(key=lambda f: (f.program_id, f.batch_id, order[f.table], f.relative_path))
    return files, strays
