"""What a quarantine entry, a log line or `icbt validate` may show of a rejected value.

A value is shown as it was typed only when it cannot identify anyone: a short number
(at most six digits, fewer than any health card or phone number; an out-of-range score,
`1e309`) or a code of the contract's own closed lists in any field (`female` sent as a
referral source). Anything else (a surname in a code field, a word where a date
belongs, a date itself) is recorded by its shape, its length and the classes of
characters it holds, and a keyed hash: HMAC-SHA-256 with the pseudonymisation key, so
repeats of one value match across files and runs while the value cannot be recovered
without the key (ENISA, "Pseudonymisation techniques and best practices", 2019). The
same rule names folders and files that are not deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import cache

import polars as pl

from pipelines.contract import (
    CONTRACT_VERSIONS,
    FieldSpec,
    TableContract,
    load_contract,
    load_instruments,
)

HASH_HEX = 16
"""64 bits of the digest: enough to match repeats, too short to matter as a fingerprint."""
_DOMAIN = b"quarantine-value\x1f"
"""Separates these hashes from pseudonyms (whose message starts with an upper-case
program id), so a withheld value never equals an episode or patient id."""
_SAFE_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?")
_MAX_SHOWN_DIGITS = 6
_BOOLEANS = frozenset({"true", "false", "yes", "no"})


@cache
def known_codes() -> frozenset[str]:
    """Every code of the contract's closed lists (in any version), the instrument codes
    and booleans."""
    codes: set[str] = set(_BOOLEANS) | set(load_instruments())
    for table in [t for v in CONTRACT_VERSIONS for t in load_contract(v).values()]:
        for spec in table.fields:
            codes.update(spec.enum or ())
    return frozenset(codes)


def is_safe_number(text: str) -> bool:
    """A plain number of at most six digits: a score, a count, `1e309`; never a phone,
    health card or social insurance number (9 or 10 digits)."""
    stripped = text.strip()
    digits = sum(ch.isdigit() for ch in stripped)
    return _SAFE_NUMBER.fullmatch(stripped) is not None and digits <= _MAX_SHOWN_DIGITS


def shape(text: str) -> str:
    """Length and character classes, e.g. `9 characters: upper-case letters, digits`."""
    classes = []
    for label, test in (
        ("upper-case letters", str.isupper),
        ("lower-case letters", str.islower),
        ("digits", str.isdigit),
        ("spaces", str.isspace),
    ):
        if any(test(ch) for ch in text):
            classes.append(label)
    if any(unicodedata.category(ch).startswith(("P", "S")) for ch in text):
        classes.append("punctuation or symbols")
    if any(
        not (ch.isalnum() or ch.isspace() or unicodedata.category(ch).startswith(("P", "S")))
        for ch in text
    ):
        classes.append("other characters")
    length = len(text)
    unit = "character" if length == 1 else "characters"
    return f"{length} {unit}" + (f": {', '.join(classes)}" if classes else "")


def value_hash(key: bytes, text: str) -> str:
    """Keyed hash of a value: equal values give equal hashes under one key."""
    return hmac.new(key, _DOMAIN + text.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[
        :HASH_HEX
    ]


def withheld(key: bytes, text: str) -> str:
    return f"withheld ({shape(text)}; key {value_hash(key, text)})"


def disclosed(key: bytes, text: str, spec: FieldSpec | None) -> str:
    """How a rejected value of field `spec` may be shown: itself if safe, else withheld."""
    date_field = spec is not None and spec.type in ("date", "datetime")
    if not date_field and (is_safe_number(text) or text.strip() in known_codes()):
        return text
    return withheld(key, text)


def disclose(rejections: pl.DataFrame, contract: TableContract, key: bytes) -> pl.DataFrame:
    """Rejections with every value replaced by what may be shown of it (`disclosed`).

    Values are judged once per distinct field and value, so the cost follows the number
    of distinct rejected values, not rows.
    """
    if rejections.is_empty():
        return rejections
    pairs = rejections.select("field", "value").unique().drop_nulls("value")
    fields = set(contract.columns)
    shown = [
        disclosed(key, value, contract.field(name) if name in fields else None)
        for name, value in pairs.iter_rows()
    ]
    mapping = pairs.with_columns(pl.Series("_shown", shown, dtype=pl.Utf8))
    return (
        rejections.join(mapping, on=["field", "value"], how="left", nulls_equal=True)
        .with_columns(pl.col("_shown").alias("value"))
        .drop("_shown")
    )


def shown_name(key: bytes, name: str, allowed: bool) -> str:
    """A folder or file name as a message may name it: as it is when it is a valid
    program id, period or table file (`allowed`), else withheld."""
    return name if allowed else withheld(key, name)
