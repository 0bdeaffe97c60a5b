"""The de-identification gate: a file that carries a direct identifier is refused whole.

Runs before validation, so an identifier never becomes a quarantined value, a log line
or a Dagster metadata entry. Two screens, after HIPAA Safe Harbor (45 CFR
164.514(b)(2)) and the Canadian identifiers in docs/ingestion.md:

- column names: a column called like a name, contact detail, health card number,
  address, birth date or free-text note;
- values: e-mail addresses, phone numbers, health card numbers (Ontario's 10 digits
  with a Luhn check digit and optional version code, British Columbia's 10 digits with
  a mod-11 check digit, any other bare 9- or 10-digit number, Quebec's 4 letters and
  8 digits), full postal codes, URLs, IP addresses, and in fields that hold codes:
  dates (possible birth dates), names and free text.

Messages name the column, the kind of identifier and row numbers, never the value.
Values are screened once per distinct value, so the cost does not grow with rows. In a
field whose valid values are arbitrary text (keys, names) every value is screened; in
any other field only values a check rejects can be stored or shown (as a quarantined
value or in a reason), so only the rows that fail validation are screened there: a
valid age band or PHQ-9 answer cannot be an identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from pipelines.contract import FieldSpec, TableContract
from pipelines.ingestion.frames import SOURCE_ROW, FileRefusedError, file_columns


class IdentifierRefusedError(FileRefusedError):
    """The file carries a direct identifier; nothing from it may be stored."""


_REFUSED = (
    "The whole file is refused and nothing from it was stored: remove {what} and "
    "deliver the file again."
)

# Column names, compared after lower-casing and turning every non-alphanumeric run into
# "_". Short words match whole tokens only ("city" but not "ethnicity").
_COLUMN_TOKENS: dict[str, str] = {
    **dict.fromkeys(
        ("name", "names", "forename", "firstname", "lastname", "surname", "fullname"),
        "a personal name",
    ),
    **dict.fromkeys(("tel", "fax", "mobile", "cell"), "a phone number"),
    **dict.fromkeys(
        ("hcn", "ohip", "phn", "ramq", "sin", "ssn", "nas", "medicare"), "a health card number"
    ),
    **dict.fromkeys(("mrn", "chart"), "a medical record number"),
    **dict.fromkeys(("zip", "city", "street", "address", "postal", "postcode"), "an address"),
    **dict.fromkeys(("dob", "birthday", "birthdate"), "a birth date"),
    **dict.fromkeys(
        ("note", "notes", "comment", "comments", "remark", "remarks", "narrative", "freetext"),
        "free text",
    ),
    **dict.fromkeys(("url", "ip", "ipaddress"), "a URL or IP address"),
}
_COLUMN_STEMS: dict[str, str] = {
    "email": "an e-mail address",
    "ipaddress": "a URL or IP address",
    "phone": "a phone number",
    "telephone": "a phone number",
    "healthcard": "a health card number",
    "healthnumber": "a health card number",
    "healthinsurance": "a health card number",
    "socialinsurance": "a social insurance number",
    "medicalrecord": "a medical record number",
    "postal": "an address",
    "address": "an address",
    "birth": "a birth date",
    "firstname": "a personal name",
    "lastname": "a personal name",
    "givenname": "a personal name",
    "familyname": "a personal name",
    "fullname": "a personal name",
    "surname": "a personal name",
}


def identifier_column_kind(name: str) -> str | None:
    """The kind of identifier a column's name suggests, or None."""
    normalised = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    compact = normalised.replace("_", "")
    stem = next((kind for stem, kind in _COLUMN_STEMS.items() if stem in compact), None)
    return stem or next(
        (_COLUMN_TOKENS[t] for t in normalised.split("_") if t in _COLUMN_TOKENS), None
    )


# Value patterns (Rust regex syntax, run by Polars over distinct values).
_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_URL = r"(?i)\b(?:https?://|www\.)\S+"
_IP = r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"
_PHONE = r"(?:\+?1[\s.-]?)?(?:\([2-9]\d{2}\)\s?|\b[2-9]\d{2}[\s.-])\d{3}[\s.-]\d{4}\b"
_POSTAL = r"(?i)\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][\s-]?\d[ABCEGHJ-NPRSTV-Z]\d\b"
_RAMQ = r"(?i)\b[A-Z]{4}[\s-]?\d{4}[\s-]?\d{4}\b"
_DIGITS = r"^\d{9,10}(?:[A-Za-z]{1,2})?$"
_DATE = (
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    r"|\d{1,2}\s+\p{L}{3,9}\.?,?\s+\d{4}|\p{L}{3,9}\.?\s+\d{1,2},?\s+\d{4})"
    r"(?:[T ]\d{1,2}:\d{2}.*)?$"
)
_WORDS = r"\p{L}{2,}[\s]+\p{L}{2,}"
_LONG_TEXT = 64

_ANYWHERE = (
    (_EMAIL, "an e-mail address"),
    (_URL, "a URL"),
    (_IP, "an IP address"),
    (_PHONE, "a phone number"),
    (_POSTAL, "a full postal code"),
    (_RAMQ, "a Quebec health insurance number"),
)


def luhn_valid(digits: str) -> bool:
    """Mod-10 (Luhn) check, as the Ontario Ministry of Health specifies for the 10th
    digit of a health number."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def bc_phn_valid(digits: str) -> bool:
    """British Columbia PHN: 10 digits starting with 9; digits 2-9 weighted 2, 4, 8, 5,
    10, 9, 7, 3 (each product mod 11), and the 10th digit is 11 less the sum mod 11."""
    if len(digits) != 10 or digits[0] != "9":
        return False
    weights = (2, 4, 8, 5, 10, 9, 7, 3)
    total = sum(int(d) * w % 11 for d, w in zip(digits[1:9], weights, strict=True))
    check = 11 - total % 11
    return check < 10 and check == int(digits[9])


def number_kind(normalised: str) -> str:
    """Which identifier a bare 9- or 10-digit number (with an optional version code) is."""
    digits = normalised.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    if len(digits) == 10 and luhn_valid(digits):
        return "an Ontario health number"
    if bc_phn_valid(digits):
        return "a British Columbia personal health number"
    if len(digits) == 10:
        return "a 10-digit number (a phone or health card number)"
    return "a 9-digit number (an Alberta health number or a social insurance number)"


def holds_codes(field: FieldSpec) -> bool:
    """A string field meant for codes, not descriptive text such as a program's name."""
    return field.type == "string" and (
        field.enum is not None or field.pattern is not None or (field.max_length or 0) <= _LONG_TEXT
    )


def _field_flags(field: FieldSpec | None) -> dict[str, object]:
    """How a field is screened. `field` None means a header cell. Names and free text are
    looked for everywhere except descriptive text fields; dates only where a code is
    expected; an allowed code written with spaces ("not stated") is not free text."""
    return {
        "descriptive": field is not None and field.type == "string" and not holds_codes(field),
        "code": field is None or (field.type == "string" and holds_codes(field)),
        "allowed": list(field.enum) if field is not None and field.enum else [],
    }


def _kinds(values: pl.DataFrame) -> pl.Series:
    """For each row of (v, descriptive, code, allowed), the kind of identifier `v` looks
    like, or null: every pattern runs once over all distinct values of a file."""
    v = pl.col("v").str.strip_chars()
    kind: pl.Expr = pl.lit(None, pl.Utf8)
    date = pl.col("code") & v.str.contains(_DATE)
    kind = pl.when(date).then(pl.lit("a date (possibly a birth date)")).otherwise(kind)
    for pattern, label in reversed(_ANYWHERE):
        kind = pl.when(v.str.contains(pattern)).then(pl.lit(label)).otherwise(kind)
    as_code = v.str.to_lowercase().str.replace_all(r"[\s-]+", "_")
    words = (
        ~pl.col("descriptive")
        & (v.str.contains(_WORDS) | (v.str.contains(r"\s") & (v.str.len_chars() > _LONG_TEXT)))
        & ~pl.col("allowed").list.contains(as_code)
    )
    kind = pl.when(kind.is_null() & words).then(pl.lit("free text or a name")).otherwise(kind)
    frame = values.with_columns(kind.alias("kind"), v.str.replace_all(r"[\s-]", "").alias("n"))
    numbers = frame.filter(pl.col("kind").is_null() & pl.col("n").str.contains(_DIGITS))
    if numbers.height:
        labels = pl.DataFrame(
            {"n": numbers["n"], "number_kind": [number_kind(n) for n in numbers["n"]]}
        ).unique("n")
        frame = frame.join(labels, on="n", how="left", maintain_order="left").with_columns(
            pl.coalesce("kind", "number_kind").alias("kind")
        )
    return frame["kind"]


def _value_kinds(values: pl.Series, field: FieldSpec | None) -> pl.Series:
    flags = _field_flags(field)
    frame = pl.DataFrame({"v": values.cast(pl.Utf8)}).with_columns(
        pl.lit(flags["descriptive"]).alias("descriptive"),
        pl.lit(flags["code"]).alias("code"),
        pl.lit(flags["allowed"], pl.List(pl.Utf8)).alias("allowed"),
    )
    return _kinds(frame)


@dataclass(frozen=True)
class Finding:
    column: str
    position: int
    kind: str
    rows: int
    first_row: int


@lru_cache(maxsize=4096)
def _name_kind(name: str) -> str | None:
    """The identifier a header cell looks like; cached, as files repeat the same names."""
    return _value_kinds(pl.Series([name]), None)[0]


def name_kind(name: str) -> str | None:
    """The identifier a folder or header name looks like, as the gate screens a code."""
    return _name_kind(name)


def column_label(name: str, position: int) -> str:
    """How a message names a column: by name, unless the name itself looks like a value
    (a file without a header row has data where the names should be)."""
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9 _.-]{0,40}", name) is not None
    if plain and _name_kind(name) is None:
        return f"'{name}'"
    return f"column {position} (its header looks like a value: is the header row missing?)"


def screen_columns(raw: pl.DataFrame, contract: TableContract) -> None:
    """Refuse a file whose column names say it carries identifiers."""
    columns = file_columns(raw)
    found = [
        (column_label(name, position), kind)
        for position, name in enumerate(columns, start=1)
        if name not in contract.columns
        and (kind := identifier_column_kind(name) or _header_value_kind(name))
    ]
    if found:
        listed = "; ".join(f"column {label} looks like {kind}" for label, kind in found)
        raise IdentifierRefusedError(
            f"identifier column(s): {listed}. Direct identifiers must never be sent. "
            + _REFUSED.format(what="the column(s)")
        )


def _header_value_kind(name: str) -> str | None:
    kind = _name_kind(name)
    return None if kind is None or kind == "free text or a name" else kind


def free_text_fields(contract: TableContract) -> list[str]:
    """Fields whose valid values are arbitrary text (source keys, a program's name): any
    value there could be stored, so every value is screened."""
    return [f.name for f in contract.fields if f.type == "string" and not (f.enum or f.pattern)]


def find_identifier_values(
    raw: pl.DataFrame, contract: TableContract, columns: list[str] | None = None
) -> list[Finding]:
    """Every contract column (of `columns`, default all) whose values include something
    that looks like an identifier."""
    positions = {name: i for i, name in enumerate(file_columns(raw), start=1)}
    wanted = contract.columns if columns is None else columns
    screened = [
        name
        for name in positions
        if name in wanted
        and raw.schema[name] not in (pl.Boolean, pl.Date, pl.Null)
        and not isinstance(raw.schema[name], pl.Datetime | pl.Duration)
    ]
    if not screened or raw.is_empty():
        return []
    flags = pl.DataFrame(
        [{"column": name, **_field_flags(contract.field(name))} for name in screened],
        schema={
            "column": pl.Utf8,
            "descriptive": pl.Boolean,
            "code": pl.Boolean,
            "allowed": pl.List(pl.Utf8),
        },
    )
    distinct = (
        raw.select(pl.col(name).drop_nulls().unique().cast(pl.Utf8).implode() for name in screened)
        .unpivot(variable_name="column", value_name="v")
        .explode("v")
        .drop_nulls("v")
        .join(flags, on="column")
    )
    flagged = distinct.with_columns(_kinds(distinct).alias("kind")).drop_nulls("kind")
    findings = []
    for (name,), hits in flagged.group_by("column", maintain_order=True):
        rows = raw.select(SOURCE_ROW, pl.col(name).cast(pl.Utf8).alias("v")).join(
            hits.select("v", "kind"), on="v", how="inner"
        )
        counts = rows.group_by("kind", maintain_order=True).agg(
            pl.len().alias("rows"), pl.col(SOURCE_ROW).min().alias("first_row")
        )
        findings += [Finding(name, positions[name], *row) for row in counts.iter_rows()]
    return findings


def refuse_identifier_values(findings: list[Finding]) -> None:
    """Refuse a file with identifier values, naming column, kind and rows, not values."""
    if findings:
        listed = "; ".join(
            f"column {column_label(f.column, f.position)} holds {f.kind} in {f.rows} row(s) "
            f"({'row' if f.rows == 1 else 'first: row'} {f.first_row})"
            for f in findings
        )
        raise IdentifierRefusedError(
            f"identifier values (not shown): {listed}. " + _REFUSED.format(what="them")
        )
