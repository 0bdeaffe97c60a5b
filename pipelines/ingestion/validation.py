"""Row-level validation of a landing file against the data contract.

Three stages, all vectorised:
1. Rows the reader could not take apart (a short row, a line that is not JSON) are
   rejected with the reader's reason and take no further part.
2. `coerce`: parse every contract column to its type. A value that does not parse is a
   rejection ("'abc' is not an integer"), and the row is quarantined.
3. Value rules on the typed frame. Single-column rules (required, enum, range, pattern,
   length) run through a pandera schema built from the contract; rules across columns
   or tables (instrument item ranges, date order, duplicates, referential integrity,
   dates in the future or implausibly far back) are Polars expressions here.

The result keeps valid rows and lists every rejection as (source_row, field, value,
reason). A reason never quotes the value; the value is the text as read (never a source
key, nor a date that may be a birth date), which `disclosure.disclose` then replaces by
what may be shown of it before anything is stored or printed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandera.polars as pa
import polars as pl

from pipelines.contract import FieldSpec, InstrumentSpec, TableContract
from pipelines.ingestion.frames import READER_FIELD, READER_REASON, SOURCE_ROW

SOURCE_KEY_FIELDS = frozenset({"patient_key", "episode_key"})
REJECTION_SCHEMA = {SOURCE_ROW: pl.Int64, "field": pl.Utf8, "value": pl.Utf8, "reason": pl.Utf8}

_POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.Utf8(),
    "integer": pl.Int64(),
    "number": pl.Float64(),
    "boolean": pl.Boolean(),
    "date": pl.Date(),
    "datetime": pl.Datetime("us", "UTC"),
}
STOPPED_EARLY = ("dropped_out", "not_started")
"""Discharge reasons of a patient who stopped; only these carry a stop_reason (v2)."""
_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


@dataclass(frozen=True)
class ValidationResult:
    valid: pl.DataFrame
    rejections: pl.DataFrame
    rows_read: int

    @property
    def rows_quarantined(self) -> int:
        return self.rejections[SOURCE_ROW].n_unique()


def empty_rejections() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTION_SCHEMA)


def _rejections(df: pl.DataFrame, mask: pl.Expr, field: str, reason: pl.Expr | str) -> pl.DataFrame:
    """Rows of `df` where `mask` holds, as rejections of `field`."""
    value = pl.lit(None, pl.Utf8) if field in SOURCE_KEY_FIELDS else pl.col(field).cast(pl.Utf8)
    reason_expr = pl.lit(reason) if isinstance(reason, str) else reason
    return df.filter(mask).select(
        pl.col(SOURCE_ROW),
        pl.lit(field).alias("field"),
        value.alias("value"),
        reason_expr.cast(pl.Utf8).alias("reason"),
    )


def _as_text(col: pl.Expr) -> pl.Expr:
    text = col.cast(pl.Utf8).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _parse(field: FieldSpec, dtype: pl.DataType, col: pl.Expr) -> pl.Expr:
    """Expression parsing `col` (of source dtype `dtype`) to the contract type."""
    target = _POLARS_TYPES[field.type]
    if field.type == "string":
        text = col.cast(pl.Utf8)
        return pl.when(text == "").then(None).otherwise(text)
    if dtype == target:
        return col
    if field.type in ("integer", "number") and dtype.is_numeric():
        cast = col.cast(target, strict=False)
        if field.type == "integer" and dtype.is_float():
            return pl.when(col == col.floor()).then(cast)
        return cast
    if field.type == "boolean":
        text = _as_text(col).str.to_lowercase()
        return pl.when(text.is_in(_TRUE)).then(True).when(text.is_in(_FALSE)).then(False)
    if field.type == "date":
        if isinstance(dtype, pl.Datetime):
            return col.dt.date()
        return col.cast(pl.Utf8).str.to_date("%Y-%m-%d", strict=False)
    if field.type == "datetime":
        if isinstance(dtype, pl.Datetime):
            # Parquet timestamps without a zone are UTC by the format's convention.
            zoned = col.dt.replace_time_zone("UTC") if dtype.time_zone is None else col
            return zoned.dt.convert_time_zone("UTC").dt.cast_time_unit("us")
        text = col.cast(pl.Utf8).str.replace(r"[zZ]$", "+00:00")
        return text.str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", time_unit="us", strict=False
        )
    return col.cast(pl.Utf8).cast(target, strict=False)


def _parse_column(raw: pl.DataFrame, field: FieldSpec) -> pl.Series:
    """Parse one column; values that fail only for surrounding spaces are parsed again
    stripped, on those rows alone, so clean files pay for one pass."""
    source = raw.get_column(field.name)
    parsed = raw.select(_parse(field, source.dtype, pl.col(field.name))).to_series()
    if field.type == "string" or source.dtype != pl.Utf8:
        return parsed
    failed = parsed.is_null() & source.is_not_null()
    if failed.any():
        rows = failed.arg_true()
        retry = pl.DataFrame({field.name: source.gather(rows)}).select(
            _parse(field, pl.Utf8(), _as_text(pl.col(field.name)))
        )
        parsed = parsed.scatter(rows, retry.to_series())
    if field.type == "number":
        # `1e309` parses as infinity: out of any range, so it fails like a bad number.
        parsed = pl.select(pl.when(parsed.is_finite()).then(parsed)).to_series()
    return parsed


_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "an ISO 8601 timestamp with a UTC offset",
}


def coerce(raw: pl.DataFrame, contract: TableContract) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed frame with every contract column, and the parse rejections.

    Columns the file omits are added as nulls; whether they were required is checked
    later. Values that do not parse become null in the typed frame.
    """
    present = [f for f in contract.fields if f.name in raw.columns]
    parsed = {f.name: _parse_column(raw, f).alias(f.name) for f in present}
    typed = pl.DataFrame(
        [
            raw.get_column(SOURCE_ROW),
            *[
                parsed[f.name]
                if f.name in parsed
                else pl.Series(f.name, dtype=_POLARS_TYPES[f.type]).extend_constant(
                    None, raw.height
                )
                for f in contract.fields
            ],
        ]
    )
    failures = []
    for f in present:
        if f.type not in _TYPE_NAMES:
            continue
        failed = typed.get_column(f.name).is_null() & raw.get_column(f.name).is_not_null()
        if not failed.any():
            continue
        bad = raw.filter(failed)
        as_float = _as_text(pl.col(f.name)).cast(pl.Float64, strict=False)
        reason = pl.lit("is not " + _TYPE_NAMES[f.type])
        if f.type in ("integer", "number"):
            reason = (
                pl.when(as_float.is_infinite() | as_float.is_nan())
                .then(pl.lit("is out of range: not a finite number"))
                .when(as_float.abs() >= 2.0**63)
                .then(pl.lit("is out of range: too large for " + _TYPE_NAMES[f.type]))
                .otherwise(reason)
            )
        failures.append(_rejections(bad, _as_text(pl.col(f.name)).is_not_null(), f.name, reason))
    return typed, pl.concat([empty_rejections(), *failures], how="vertical_relaxed")


def _column_checks(field: FieldSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if field.enum is not None:
        checks.append(
            pa.Check.isin(list(field.enum), error="is not one of: " + ", ".join(field.enum))
        )
    if field.minimum is not None or field.maximum is not None:
        lo, hi = field.minimum, field.maximum
        if lo is not None and hi is not None:
            checks.append(pa.Check.in_range(lo, hi, error=f"is outside the range {lo} to {hi}"))
        elif lo is not None:
            checks.append(pa.Check.ge(lo, error=f"is below the minimum {lo}"))
        else:
            checks.append(pa.Check.le(hi, error=f"is above the maximum {hi}"))
    if field.pattern is not None:
        checks.append(
            pa.Check.str_matches(field.pattern, error="does not match the required format")
        )
    if field.max_length is not None:
        checks.append(
            pa.Check.str_length(
                max_value=field.max_length, error=f"is longer than {field.max_length} characters"
            )
        )
    return checks


@cache
def contract_schema(contract: TableContract) -> pa.DataFrameSchema:
    """pandera schema for the single-column rules of a contract table."""
    return pa.DataFrameSchema(
        {
            f.name: pa.Column(
                _POLARS_TYPES[f.type], checks=_column_checks(f), nullable=not f.required
            )
            for f in contract.fields
        },
        strict=False,
    )


def single_column_violations(contract: TableContract) -> pl.Expr:
    """True when any row breaks a single-column rule of the contract.

    The same rules as `contract_schema`, as one expression: a clean file (the usual
    case) is cleared in one pass, and pandera, which evaluates each check on its own and
    costs milliseconds per column, runs only to itemise the failures of a file that has
    some. A property test holds the two to the same verdict.
    """
    broken = []
    for f in contract.fields:
        col = pl.col(f.name)
        if f.required:
            broken.append(col.is_null())
        if f.enum is not None:
            broken.append(~col.is_in(list(f.enum)))
        if f.minimum is not None:
            broken.append(col < f.minimum)
        if f.maximum is not None:
            broken.append(col > f.maximum)
        if f.pattern is not None:
            pattern = f.pattern if f.pattern.startswith("^") else f"^{f.pattern}"
            broken.append(~col.str.contains(pattern))
        if f.max_length is not None:
            broken.append(col.str.len_chars() > f.max_length)
    return pl.any_horizontal([b.fill_null(False) for b in broken]).any()


def _schema_rejections(typed: pl.DataFrame, contract: TableContract) -> pl.DataFrame:
    """Single-column rule failures; pandera reports each failing check with its row index."""
    if typed.is_empty() or not typed.select(single_column_violations(contract)).item():
        return empty_rejections()
    try:
        contract_schema(contract).validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.filter(pl.col("index").is_not_null())
        rows = typed.select(SOURCE_ROW).with_row_index("index")
        found = cases.with_columns(pl.col("index").cast(pl.UInt32)).join(rows, on="index")
        hidden = pl.col("column").is_in(list(SOURCE_KEY_FIELDS))
        return found.select(
            pl.col(SOURCE_ROW),
            pl.col("column").alias("field"),
            pl.when(hidden)
            .then(None)
            .otherwise(pl.col("failure_case").cast(pl.Utf8))
            .alias("value"),
            pl.when(pl.col("check") == "not_nullable")
            .then(pl.lit("required field is empty"))
            .otherwise(pl.col("check"))
            .alias("reason"),
        )
    return empty_rejections()


@dataclass(frozen=True)
class BatchContext:
    """What a file is checked against beyond its own rows.

    `known_episode_ids` None: referential integrity is not checked. `program_registered`
    None: whether the program has a registry row is not checked. `earliest_date` None:
    no lower bound on dates.
    """

    program_id: str
    today: date
    known_episode_ids: pl.Series | None = None
    instruments: dict[str, InstrumentSpec] | None = None
    program_registered: bool | None = None
    earliest_date: date | None = None


def _rule(df: pl.DataFrame, mask: pl.Expr, field: str, reason: pl.Expr | str) -> pl.DataFrame:
    """Rejections for rows where a cross-column rule fails (`mask` true)."""
    return _rejections(df, mask.fill_null(False), field, reason)


_PSEUDONYMS = {"patient_key": "patient_id", "episode_key": "episode_id"}


def _duplicate_rejections(identified: pl.DataFrame, contract: TableContract) -> pl.DataFrame:
    """Every repeat of a primary key after its first row, naming that first row.

    A 64-bit hash of the key finds candidate rows in one pass; the exact comparison then
    runs on the candidates only, so a clean file of millions of rows stays cheap.
    """
    label = ", ".join(contract.primary_key)
    # Keys are compared by their pseudonyms: integers hash faster than text, and the
    # keyed hash maps distinct keys to distinct ids.
    key = [_PSEUDONYMS.get(name, name) for name in contract.primary_key]
    # An optional key field (engagement events' module_number) left empty is a value of
    # its own: two logins with the same episode, time and type and no module are exact
    # duplicates. A required one left empty is already rejected and takes no part.
    required = [
        _PSEUDONYMS.get(f.name, f.name)
        for f in contract.fields
        if f.name in contract.primary_key and f.required
    ]
    complete = identified.filter(pl.all_horizontal(pl.col(required).is_not_null()))
    hashed = complete.select(pl.struct(key).hash(seed=0)).to_series()
    if hashed.n_unique() == hashed.len():
        return empty_rejections()
    candidates = complete.filter(hashed.is_duplicated())
    keyed = candidates.with_columns(pl.col(SOURCE_ROW).min().over(key).alias("_first"))
    return keyed.filter(pl.col(SOURCE_ROW) != pl.col("_first")).select(
        pl.col(SOURCE_ROW),
        pl.lit(label).alias("field"),
        pl.lit(None, pl.Utf8).alias("value"),
        pl.format("duplicate of row {} (same {})", pl.col("_first"), pl.lit(label)).alias("reason"),
    )


def _date_rejections(typed: pl.DataFrame, contract: TableContract, ctx: BatchContext) -> list:
    """Dates after today, and dates before the earliest plausible one. The latter are not
    shown: a date decades back may be a birth date sent in the wrong column."""
    checks = []
    for f in contract.fields:
        if f.type not in ("date", "datetime"):
            continue
        day = pl.col(f.name) if f.type == "date" else pl.col(f.name).dt.date()
        checks.append(
            _rule(typed, day > ctx.today, f.name, f"{f.name} is after today ({ctx.today})")
        )
        if ctx.earliest_date is not None:
            early = _rejections(
                typed,
                (day < ctx.earliest_date).fill_null(False),
                f.name,
                f"{f.name} is before {ctx.earliest_date}, earlier than any program "
                "(value not shown: it may be a birth date)",
            )
            checks.append(early.with_columns(pl.lit(None, pl.Utf8).alias("value")))
    return checks


_EPISODE_DATE_ORDER = (
    ("referral_date", "enrolment_date"),
    ("enrolment_date", "start_date"),
    ("referral_date", "start_date"),
    ("start_date", "end_date"),
    ("referral_date", "end_date"),
)


def _table_rules(
    typed: pl.DataFrame, contract: TableContract, ctx: BatchContext
) -> list[pl.DataFrame]:
    """Rules that span columns, specific to one table."""
    checks: list[pl.DataFrame] = []
    if "program_id" in contract.columns:
        checks.append(
            _rule(
                typed,
                pl.col("program_id") != ctx.program_id,
                "program_id",
                f"does not match the program folder {ctx.program_id}",
            )
        )
    if contract.name == "episodes":
        if ctx.program_registered is False:
            checks.append(
                _rule(
                    typed,
                    pl.col("program_id") == ctx.program_id,
                    "program_id",
                    f"program '{ctx.program_id}' has no programs row yet: deliver programs "
                    "in this batch or an earlier one",
                )
            )
        for earlier, later in _EPISODE_DATE_ORDER:
            checks.append(
                _rule(typed, pl.col(later) < pl.col(earlier), later, f"{later} is before {earlier}")
            )
        checks.append(
            _rule(
                typed,
                pl.col("end_date").is_not_null() & pl.col("discharge_reason").is_null(),
                "discharge_reason",
                "discharge_reason is required when end_date is given",
            )
        )
        checks.append(
            _rule(
                typed,
                pl.col("end_date").is_null() & pl.col("discharge_reason").is_not_null(),
                "discharge_reason",
                "discharge_reason is given but end_date is empty",
            )
        )
    if "stop_reason" in contract.columns:
        checks.append(
            _rule(
                typed,
                pl.col("stop_reason").is_not_null()
                & ~pl.col("discharge_reason").is_in(STOPPED_EARLY).fill_null(False),
                "stop_reason",
                "stop_reason is given only when discharge_reason is " + " or ".join(STOPPED_EARLY),
            )
        )
    if contract.name == "prom_responses" and ctx.instruments:
        checks += _instrument_rules(typed, ctx.instruments)
    if contract.name == "engagement_events":
        module_event = pl.col("event_type").is_in(["module_started", "module_completed"])
        checks.append(
            _rule(
                typed,
                module_event & pl.col("module_number").is_null(),
                "module_number",
                "module_number is required for module_started and module_completed",
            )
        )
    return checks


def _instrument_rules(
    typed: pl.DataFrame, instruments: dict[str, InstrumentSpec]
) -> list[pl.DataFrame]:
    """Item numbers and answers within each instrument's structure. Each instrument's
    highest item and answer range are compared first; rows are examined only for an
    instrument whose bounds are broken, so a clean file is checked in one aggregation."""
    spec = pl.DataFrame(
        {
            "instrument": list(instruments),
            "_items": [s.n_items for s in instruments.values()],
            "_min": [s.item_min for s in instruments.values()],
            "_max": [s.item_max for s in instruments.values()],
        }
    )
    bounds = (
        typed.group_by("instrument")
        .agg(
            pl.col("item_number").max().alias("top_item"),
            pl.col("value").min().alias("low"),
            pl.col("value").max().alias("high"),
        )
        .join(spec, on="instrument")
    )
    broken = bounds.filter(
        (pl.col("top_item") > pl.col("_items"))
        | (pl.col("low") < pl.col("_min"))
        | (pl.col("high") > pl.col("_max"))
    )["instrument"]
    if broken.is_empty():
        return []
    joined = typed.filter(pl.col("instrument").is_in(broken.implode())).join(
        spec, on="instrument", how="left", maintain_order="left"
    )
    return [
        _rule(
            joined,
            pl.col("item_number") > pl.col("_items"),
            "item_number",
            pl.format("does not exist in {} ({} items)", pl.col("instrument"), pl.col("_items")),
        ),
        _rule(
            joined,
            (pl.col("value") < pl.col("_min")) | (pl.col("value") > pl.col("_max")),
            "value",
            pl.format(
                "is outside {} item range {} to {}",
                pl.col("instrument"),
                pl.col("_min"),
                pl.col("_max"),
            ),
        ),
    ]


def _referential_rejections(typed: pl.DataFrame, ctx: BatchContext) -> list[pl.DataFrame]:
    if (
        ctx.known_episode_ids is None
        or "episode_id" not in typed.columns
        or "patient_id" in typed.columns
    ):
        return []
    unknown = typed["episode_id"].is_not_null() & ~typed["episode_id"].is_in(
        ctx.known_episode_ids.implode()
    )
    if not unknown.any():
        return []
    return [
        _rule(
            typed.filter(unknown),
            pl.lit(True),
            "episode_key",
            "episode_key does not match any episode of this program",
        )
    ]


def _reader_rejections(raw: pl.DataFrame) -> pl.DataFrame:
    if READER_REASON not in raw.columns:
        return empty_rejections()
    return raw.filter(pl.col(READER_REASON).is_not_null()).select(
        pl.col(SOURCE_ROW),
        pl.col(READER_FIELD).alias("field"),
        pl.lit(None, pl.Utf8).alias("value"),
        pl.col(READER_REASON).alias("reason"),
    )


def validate(
    raw: pl.DataFrame,
    contract: TableContract,
    ctx: BatchContext,
    pseudonymise: Callable[[pl.DataFrame], pl.DataFrame],
) -> ValidationResult:
    """Check every row; return valid rows (source keys replaced by ids) and rejections.

    `pseudonymise` replaces `patient_key`/`episode_key` with `patient_id`/`episode_id`;
    it runs after the single-column rules so a malformed key is still reported.
    """
    unreadable = _reader_rejections(raw)
    rows = raw
    if READER_REASON in raw.columns:
        rows = raw.filter(pl.col(READER_REASON).is_null()).drop(READER_FIELD, READER_REASON)
    typed, rejections = coerce(rows, contract)
    schema = _schema_rejections(typed, contract)
    specific = pl.concat(
        [empty_rejections(), rejections, *_table_rules(typed, contract, ctx)],
        how="vertical_relaxed",
    )
    if not specific.is_empty() and not schema.is_empty():
        # Report each field once, most specifically: a value that did not parse is not
        # also "required field is empty", and a PHQ-9 answer of 4 is outside the PHQ-9
        # range rather than the contract's generic 0 to 10.
        schema = schema.join(specific, on=[SOURCE_ROW, "field"], how="anti")
    checked = [unreadable, specific, schema]
    checked += _date_rejections(typed, contract, ctx)
    identified = pseudonymise(typed)
    checked.append(_duplicate_rejections(identified, contract))
    checked += _referential_rejections(identified, ctx)
    all_rejections = pl.concat([empty_rejections(), *checked], how="vertical_relaxed").sort(
        SOURCE_ROW, "field", nulls_last=True
    )
    valid = identified
    if not all_rejections.is_empty():
        bad = all_rejections.get_column(SOURCE_ROW).unique().implode()
        valid = identified.filter(~pl.col(SOURCE_ROW).is_in(bad))
    return ValidationResult(valid=valid, rejections=all_rejections, rows_read=raw.height)
