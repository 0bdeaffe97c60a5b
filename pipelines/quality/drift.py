"""Case-mix and baseline-severity drift of each delivered batch, with Evidently.

A batch's episodes are those it delivered first; each batch is judged on its own
episodes and those of the batches just before it (config: current_batches), since one
month of a program is too few people for the tests. Each batch after a program's
reference period (its first batches) is compared with that period, and every batch of
an iCBT program with the in-person cohort (all in-person clinics' episodes up to that
batch): age band, sex, rurality, baseline PHQ-9, GAD-7 and PEG, and engagement in the
first 28 days.

Every comparison runs Evidently's own statistical tests (the ones its DataDriftPreset
uses, with the methods fixed in config/quality.yaml) and lands in drift_results and
drift_columns. Evidently's HTML reports, which render a plot per column and take most of
a second each, are written for the comparisons the policy selects; their verdict is the
same computation (a test holds the two to it).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

from pipelines.quality.config import DriftPolicy

CATEGORICAL = ("age_band", "sex", "rurality")
NUMERICAL = ("baseline_phq9", "baseline_gad7", "baseline_peg", "engagement_events_28d")
FEATURES = (*CATEGORICAL, *NUMERICAL)
OWN_REFERENCE = "own_reference"
IN_PERSON = "in_person"


@dataclass(frozen=True)
class Comparison:
    program_id: str
    batch_id: str
    reference: str
    reference_description: str
    current: pl.DataFrame
    reference_rows: pl.DataFrame
    current_description: str = ""

    @property
    def data_version(self) -> str:
        """Digest of both sides' rows: unchanged data, unchanged report."""
        digest = hashlib.sha256()
        for frame in (self.current, self.reference_rows):
            # Row hashes (fixed seeds) in row order, not the rows as text: the same
            # change detection without formatting hundreds of thousands of rows.
            digest.update(len(frame).to_bytes(8, "little"))
            digest.update(frame.select(FEATURES).hash_rows(seed=0).to_numpy().tobytes())
        return digest.hexdigest()[:16]


def plan_comparisons(features: pl.DataFrame, policy: DriftPolicy) -> Iterator[Comparison]:
    """Every (program, batch, reference) comparison the policy calls for, one at a time:
    a national cohort's comparisons hold gigabytes of rows together."""
    in_person = features.filter(pl.col("in_person"))
    for (program_id,), rows in features.group_by("program_id", maintain_order=True):
        batches = sorted(rows["cohort_batch"].unique().to_list())
        reference_batches = batches[: policy.reference_batches]
        own = rows.filter(pl.col("cohort_batch").is_in(reference_batches))
        is_clinic = bool(rows["in_person"][0])
        for position, batch in enumerate(batches):
            window = batches[max(0, position - policy.current_batches + 1) : position + 1]
            current = rows.filter(pl.col("cohort_batch").is_in(window))
            described = f"{program_id} batches {window[0]} to {window[-1]}"
            if batch not in reference_batches:
                yield Comparison(
                    program_id,
                    batch,
                    OWN_REFERENCE,
                    f"{program_id} batches {reference_batches[0]} to {reference_batches[-1]}",
                    current,
                    own,
                    described,
                )
            if not is_clinic:
                yield Comparison(
                    program_id,
                    batch,
                    IN_PERSON,
                    f"in-person clinics, batches up to {batch}",
                    current,
                    in_person.filter(pl.col("cohort_batch") <= batch),
                    described,
                )


_COLUMN_SCHEMA = {
    "column_name": pl.Utf8,
    "column_type": pl.Utf8,
    "method": pl.Utf8,
    "current_values": pl.Int64,
    "reference_values": pl.Int64,
    "score": pl.Float64,
    "threshold": pl.Float64,
    "drifted": pl.Boolean,
}


def _stattest(name: str, column_type: str):
    from evidently.legacy.calculations.stattests.registry import get_registered_stattest
    from evidently.legacy.core import ColumnType

    kind = ColumnType.Categorical if column_type == "categorical" else ColumnType.Numerical
    return get_registered_stattest(name, kind), kind


def column_tests(comparison: Comparison, policy: DriftPolicy) -> pl.DataFrame:
    """One row per feature: Evidently's test, its score (p-value) and whether it drifted.
    Missing values are dropped first, as Evidently does."""
    rows = []
    for column in FEATURES:
        column_type = "categorical" if column in CATEGORICAL else "numerical"
        method = policy.categorical_method if column in CATEGORICAL else policy.numerical_method
        current = comparison.current[column].drop_nulls()
        reference = comparison.reference_rows[column].drop_nulls()
        score, drifted = None, None
        if min(current.len(), reference.len()) >= policy.min_column_values:
            stattest, kind = _stattest(method, column_type)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                result = stattest(
                    reference.to_pandas(),
                    current.to_pandas(),
                    kind,
                    policy.column_threshold,
                )
            score, drifted = float(result.drift_score), bool(result.drifted)
        rows.append(
            {
                "column_name": column,
                "column_type": column_type,
                "method": method,
                "current_values": current.len(),
                "reference_values": reference.len(),
                "score": score,
                "threshold": policy.column_threshold,
                "drifted": drifted,
            }
        )
    return pl.DataFrame(rows, schema=_COLUMN_SCHEMA)


def verdict(comparison: Comparison, columns: pl.DataFrame, policy: DriftPolicy) -> dict:
    """The comparison's overall result: drift when the share of tested columns that
    drift reaches the policy's drift_share (Evidently's DriftedColumnsCount rule) and
    at least min_drifted_columns drift, so one column of a sparsely tested batch
    cannot decide alone."""
    tested = columns.filter(pl.col("drifted").is_not_null())
    drifted = int(tested["drifted"].sum())
    enough = (
        comparison.current.height >= policy.min_current_rows
        and comparison.reference_rows.height >= policy.min_reference_rows
        and tested.height > 0
    )
    share = drifted / tested.height if tested.height else None
    if not enough:
        result = "insufficient_data"
    else:
        drifts = share >= policy.drift_share and drifted >= policy.min_drifted_columns
        result = "drift" if drifts else "no_drift"
    return {
        "program_id": comparison.program_id,
        "batch_id": comparison.batch_id,
        "reference": comparison.reference,
        "current_description": comparison.current_description,
        "reference_description": comparison.reference_description,
        "current_rows": comparison.current.height,
        "reference_rows": comparison.reference_rows.height,
        "columns_tested": tested.height,
        "columns_drifted": drifted,
        "drift_share": share,
        "verdict": result,
        "data_version": comparison.data_version,
    }


def _dataset(frame: pl.DataFrame):
    from evidently import DataDefinition, Dataset

    definition = DataDefinition(
        categorical_columns=list(CATEGORICAL), numerical_columns=list(NUMERICAL)
    )
    return Dataset.from_pandas(frame.select(FEATURES).to_pandas(), data_definition=definition)


def drift_snapshot(comparison: Comparison, tested: list[str], policy: DriftPolicy):
    """Evidently's DataDriftPreset report of one comparison, with its tests, over the
    columns that had enough values to test."""
    from evidently import Report
    from evidently.presets import DataDriftPreset

    report = Report(
        [
            DataDriftPreset(
                columns=tested,
                num_method=policy.numerical_method,
                cat_method=policy.categorical_method,
                num_threshold=policy.column_threshold,
                cat_threshold=policy.column_threshold,
                drift_share=policy.drift_share,
            )
        ],
        include_tests=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return report.run(
            current_data=_dataset(comparison.current),
            reference_data=_dataset(comparison.reference_rows),
        )


def summary_snapshot(current: pl.DataFrame):
    """Evidently's DataSummaryPreset report of one batch's features."""
    from evidently import Report
    from evidently.presets import DataSummaryPreset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return Report([DataSummaryPreset()]).run(current_data=_dataset(current))


def save_html(snapshot, path: Path) -> None:
    """Write a report atomically: a reader never opens a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    snapshot.save_html(str(temporary))
    temporary.replace(path)


def wants_html(policy: DriftPolicy, result: dict, latest_batch: str) -> bool:
    """Whether a comparison gets an HTML report under the policy."""
    if policy.html_reports == "none":
        return False
    if policy.html_reports == "all":
        return True
    own = result["reference"] == OWN_REFERENCE
    return own and (result["batch_id"] == latest_batch or result["verdict"] == "drift")


@dataclass(frozen=True)
class DriftOutcome:
    results: pl.DataFrame
    columns: pl.DataFrame
    tested: int
    """Comparisons tested in this run; the others reused the previous run's tests."""


_RESULT_SCHEMA = {
    "program_id": pl.Utf8,
    "batch_id": pl.Utf8,
    "reference": pl.Utf8,
    "current_description": pl.Utf8,
    "reference_description": pl.Utf8,
    "current_rows": pl.Int64,
    "reference_rows": pl.Int64,
    "columns_tested": pl.Int64,
    "columns_drifted": pl.Int64,
    "drift_share": pl.Float64,
    "verdict": pl.Utf8,
    "data_version": pl.Utf8,
}
_KEYS = ("program_id", "batch_id", "reference")


def reusable_tests(previous: pl.DataFrame, policy: DriftPolicy) -> dict[tuple, pl.DataFrame]:
    """The previous run's column tests that still hold, by (program, batch, reference,
    data version): every column tested with the method and threshold the policy names now,
    and tested exactly when both sides have the policy's minimum of values. A monthly
    batch then tests only the comparisons its episodes changed."""
    method = (
        pl.when(pl.col("column_type") == "categorical")
        .then(pl.lit(policy.categorical_method))
        .otherwise(pl.lit(policy.numerical_method))
    )
    enough = pl.min_horizontal("current_values", "reference_values") >= policy.min_column_values
    holds = (
        (pl.col("method") == method)
        & (pl.col("threshold") == policy.column_threshold)
        & (pl.col("score").is_not_null() == enough)
    )
    keys = [*_KEYS, "data_version"]
    valid = (
        previous.with_columns(holds.alias("holds"))
        .group_by(keys)
        .agg(pl.col("holds").all(), pl.col("column_name").n_unique().alias("n"))
        .filter(pl.col("holds") & (pl.col("n") == len(FEATURES)))
        .select(keys)
    )
    kept = previous.join(valid, on=keys, how="semi")
    typed = [pl.col(name).cast(dtype) for name, dtype in _COLUMN_SCHEMA.items()]
    in_feature_order = pl.col("column_name").replace_strict(
        {name: position for position, name in enumerate(FEATURES)}, return_dtype=pl.Int64
    )
    return {
        key: rows.sort(in_feature_order).select(typed)
        for key, rows in kept.group_by(keys, maintain_order=True)
    }


def assess(
    features: pl.DataFrame, policy: DriftPolicy, previous: pl.DataFrame | None = None
) -> DriftOutcome:
    """Every comparison's per-column tests and verdict; tests in `previous` (drift_columns
    with each comparison's data_version) are reused where they still hold."""
    reusable = reusable_tests(previous, policy) if previous is not None else {}
    results, columns, n_tested = [], [], 0
    for comparison in plan_comparisons(features, policy):
        key = (comparison.program_id, comparison.batch_id, comparison.reference)
        tested = reusable.get((*key, comparison.data_version))
        if tested is None:
            tested = column_tests(comparison, policy)
            n_tested += 1
        results.append(verdict(comparison, tested, policy))
        columns.append(
            tested.with_columns(
                pl.lit(comparison.program_id).alias("program_id"),
                pl.lit(comparison.batch_id).alias("batch_id"),
                pl.lit(comparison.reference).alias("reference"),
            ).select(*_KEYS, *tested.columns)
        )
    return DriftOutcome(
        pl.DataFrame(results, schema=_RESULT_SCHEMA),
        pl.concat(columns)
        if columns
        else pl.DataFrame(schema={**dict.fromkeys(_KEYS, pl.Utf8), **_COLUMN_SCHEMA}),
        n_tested,
    )


_REPORT_SCHEMA = {
    "report_type": pl.Utf8,
    "program_id": pl.Utf8,
    "batch_id": pl.Utf8,
    "reference": pl.Utf8,
    "verdict": pl.Utf8,
    "data_version": pl.Utf8,
    "path": pl.Utf8,
    "created_at": pl.Datetime("us"),
    "run_id": pl.Utf8,
}


def write_reports(
    outcome: DriftOutcome,
    features: pl.DataFrame,
    policy: DriftPolicy,
    reports_dir: Path,
    existing: set[tuple],
    *,
    run_id: str | None,
    now: datetime | None,
) -> pl.DataFrame:
    """Write the HTML reports the policy selects and that do not exist yet for the same
    data; return their drift_reports rows."""
    latest = dict(features.group_by("program_id").agg(pl.col("cohort_batch").max()).iter_rows())
    wanted = {
        (result["program_id"], result["batch_id"], result["reference"]): result
        for result in outcome.results.iter_rows(named=True)
        if result["verdict"] != "insufficient_data"
        and wants_html(policy, result, latest[result["program_id"]])
        and ("data_drift", *(result[k] for k in (*_KEYS, "data_version"))) not in existing
    }
    rows = []
    for comparison in plan_comparisons(features, policy) if wanted else ():
        result = wanted.get((comparison.program_id, comparison.batch_id, comparison.reference))
        if result is None:
            continue
        tested = outcome.columns.filter(
            (pl.col("program_id") == comparison.program_id)
            & (pl.col("batch_id") == comparison.batch_id)
            & (pl.col("reference") == comparison.reference)
            & pl.col("drifted").is_not_null()
        )["column_name"].to_list()
        relative = Path(
            "drift",
            comparison.program_id,
            f"{comparison.batch_id}__{comparison.reference}__{result['data_version']}.html",
        )
        save_html(drift_snapshot(comparison, tested, policy), reports_dir / relative)
        key = ("data_drift", comparison.program_id, comparison.batch_id, comparison.reference)
        rows.append(
            dict(
                zip(
                    _REPORT_SCHEMA,
                    (*key, result["verdict"], result["data_version"], str(relative), now, run_id),
                    strict=True,
                )
            )
        )
    if policy.html_reports != "none":
        for program_id, batch_id in latest.items():
            current = features.filter(
                (pl.col("program_id") == program_id) & (pl.col("cohort_batch") == batch_id)
            )
            version = Comparison(
                program_id, batch_id, "", "", current, current.clear()
            ).data_version
            if ("data_summary", program_id, batch_id, "", version) in existing:
                continue
            relative = Path("drift", program_id, f"{batch_id}__summary__{version}.html")
            save_html(summary_snapshot(current), reports_dir / relative)
            rows.append(
                dict(
                    zip(
                        _REPORT_SCHEMA,
                        (
                            "data_summary",
                            program_id,
                            batch_id,
                            None,
                            None,
                            version,
                            str(relative),
                            now,
                            run_id,
                        ),
                        strict=True,
                    )
                )
            )
    return pl.DataFrame(rows, schema=_REPORT_SCHEMA)
