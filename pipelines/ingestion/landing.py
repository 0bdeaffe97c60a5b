"""The landing zone: `<landing>/<program_id>/<batch_id>/<table>.<ext>`.

A batch is one delivery period of one program (the demo uses months, `YYYY-MM`). Files
are discovered in the order they must load: by program, by batch, and within a batch by
contract table order, so episodes load before the rows that refer to them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import TABLES
from pipelines.ingestion.readers import file_format

BATCH_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$"


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative_path: str
    program_id: str
    batch_id: str
    table: str
    format: str

    def sha256(self) -> str:
        digest = hashlib.sha256()
        with self.path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


@dataclass(frozen=True)
class StrayFile:
    """A file in the landing zone that is not a contract table; reported, never loaded."""

    relative_path: str
    reason: str


def discover(landing_dir: Path) -> tuple[list[LandingFile], list[StrayFile]]:
    files: list[LandingFile] = []
    strays: list[StrayFile] = []
    if not landing_dir.is_dir():
        return files, strays
    for path in sorted(p for p in landing_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(landing_dir)
        if path.name.startswith(".") or ".tmp" in path.suffixes:
            continue  # hidden files and writers' temporary files are not deliveries
        if len(relative.parts) != 3:
            strays.append(StrayFile(str(relative), "not in a <program>/<batch>/ folder"))
            continue
        program_id, batch_id, _ = relative.parts
        table = path.name.split(".", 1)[0]
        fmt = file_format(path)
        if table not in TABLES:
            strays.append(StrayFile(str(relative), f"'{table}' is not a contract table"))
        elif fmt is None:
            strays.append(StrayFile(str(relative), f"unsupported file type '{path.suffix}'"))
        else:
            files.append(LandingFile(path, str(relative), program_id, batch_id, table, fmt))
    order = {t: i for i, t in enumerate(TABLES)}
    files.sort(key=lambda f: (f.program_id, f.batch_id, order[f.table], f.relative_path))
    return files, strays
