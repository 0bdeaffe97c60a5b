"""Which contract version a delivery follows: the batch's `manifest.json`.

A batch folder may hold `manifest.json`, a JSON object with exactly one key,
`{"contract_version": "v2"}`; every table file of that batch is then read against that
version. A batch without one follows contract v1, so every delivery made before v2
existed loads unchanged, and a program can move to v2 at any batch. A manifest that
cannot be read, or names an unknown version, refuses the batch's files (each one is
recorded in the ledger with the reason) rather than guessing. Messages never repeat the
manifest's content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import CONTRACT_VERSION, CONTRACT_VERSIONS

MANIFEST_NAME = "manifest.json"
MAX_MANIFEST_BYTES = 4096
"""A manifest is one short line; anything larger is not one and is not read further."""
_SHAPE = 'must be a JSON object with exactly one key, for example {"contract_version": "v2"}'


@dataclass(frozen=True)
class BatchVersion:
    """The version a batch follows, or why its files are refused (`version` None)."""

    version: str | None
    problem: str | None = None


def _refused(reason: str) -> BatchVersion:
    return BatchVersion(None, f"the batch's {MANIFEST_NAME} {reason}; nothing in the batch is read")


def parse_manifest(content: bytes) -> BatchVersion:
    """The version a manifest's bytes declare; pure, so every path judges it alike."""
    if len(content) > MAX_MANIFEST_BYTES:
        return _refused(f"is larger than {MAX_MANIFEST_BYTES} bytes: it {_SHAPE}")
    try:
        declared = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return _refused(f"is not valid UTF-8 JSON: it {_SHAPE}")
    if not isinstance(declared, dict) or set(declared) != {"contract_version"}:
        return _refused(_SHAPE)
    version = declared["contract_version"]
    if version not in CONTRACT_VERSIONS:
        known = ", ".join(CONTRACT_VERSIONS)
        return _refused(f"names a contract version that is not one of: {known}")
    return BatchVersion(version)


def batch_version(batch_dir: Path) -> BatchVersion:
    """The contract version of one `<program>/<batch>/` folder."""
    path = batch_dir / MANIFEST_NAME
    if path.is_symlink():
        return _refused("is a symbolic link, and links are never followed")
    if not path.is_file():
        return BatchVersion(CONTRACT_VERSION)
    with path.open("rb") as handle:
        return parse_manifest(handle.read(MAX_MANIFEST_BYTES + 1))
