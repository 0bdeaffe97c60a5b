"""Replace source patient and episode keys with keyed-hash identifiers.

HMAC-SHA-256 with a secret key kept outside the repository (ENISA, "Pseudonymisation
techniques and best practices", 2019: a keyed hash cannot be reversed by enumerating
candidate keys, which an unkeyed hash of a short number can). The program id is part of
the hashed message, so the same source key in two programs gives unrelated ids. The
first 8 bytes of the digest become a BIGINT: joins on 60 million rows stay fast, and
the chance of any collision among a million episodes is about 3 in 100 million.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import polars as pl

from pipelines.settings import KEY_ENV, Environment, reveal

_KEYS = {"patient_key": "patient_id", "episode_key": "episode_id"}


class MissingPseudonymKeyError(RuntimeError):
    """No secret key is configured; nothing may be loaded without one."""


def load_key(key_file: Path) -> bytes:
    """The secret: `ICBT_PSEUDONYM_KEY` (hex) if set, else the key file."""
    if value := reveal(Environment.read().pseudonym_key):
        return bytes.fromhex(value)
    if key_file.is_file():
        return bytes.fromhex(key_file.read_text().strip())
    raise MissingPseudonymKeyError(
        f"No pseudonymisation key: set {KEY_ENV} (64 hex characters) or create {key_file} "
        "(`icbt keygen` writes a new random key there)."
    )


def create_key_file(key_file: Path) -> bool:
    """Write a new random 256-bit key, readable by its owner only; False if one exists."""
    if key_file.exists():
        return False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True


def pseudonym(key: bytes, program_id: str, source_key: str) -> int:
    digest = hmac.digest(key, f"{program_id}\x1f{source_key}".encode(), hashlib.sha256)
    return int.from_bytes(digest[:8], "big", signed=True)


class Pseudonymiser:
    """Callable that swaps `*_key` columns of a frame for `*_id` BIGINT columns."""

    def __init__(self, key: bytes, program_id: str) -> None:
        self._key = key
        self._program_id = program_id

    def __call__(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Hash each distinct key once, then map every row's key to its id."""
        for source, target in _KEYS.items():
            if source not in frame.columns:
                continue
            keys = frame.get_column(source)
            distinct = keys.drop_nulls().unique()
            ids = pl.Series(
                [pseudonym(self._key, self._program_id, k) for k in distinct], dtype=pl.Int64
            )
            mapped = keys.replace_strict(distinct, ids, default=None, return_dtype=pl.Int64)
            position = frame.get_column_index(source)
            frame = frame.drop(source).insert_column(position, mapped.alias(target))
        return frame
