"""The pseudonymisation formula in docs/ingestion.md reproduces the ids a real load stores."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path

import duckdb

from pipelines.paths import PROJECT_ROOT
from tests.pipelines.ingestion.conftest import KEY, load

DOCUMENTED = (
    "the first 8 bytes of HMAC-SHA-256(secret, UTF-8 of program_id,\n"
    "the unit separator byte 0x1F, source key), read as a big-endian signed 64-bit BIGINT"
)


def documented_pseudonym(secret: bytes, program_id: str, source_key: str) -> int:
    """Written from the documentation's sentence, not from the code."""
    message = program_id.encode() + b"\x1f" + source_key.encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], byteorder="big", signed=True)


def test_the_documented_formula_is_the_one_in_the_docs() -> None:
    docs = (PROJECT_ROOT / "docs" / "ingestion.md").read_text()
    assert DOCUMENTED in docs


def test_the_documented_formula_gives_the_stored_ids(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    load(con, landing)
    stored = con.sql(
        "SELECT patient_id, episode_id FROM raw_episodes ORDER BY episode_id"
    ).fetchall()
    keys = re.findall(
        r"^(P\d+),(E\d+),", (landing / "ICBT01/2026-01/episodes.csv").read_text(), re.M
    )
    expected = sorted(
        (documented_pseudonym(KEY, "ICBT01", patient), documented_pseudonym(KEY, "ICBT01", episode))
        for patient, episode in keys
    )
    assert sorted(stored) == expected
    assert len(expected) == 2
