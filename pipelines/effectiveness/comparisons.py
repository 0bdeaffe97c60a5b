"""Every program and every delivery mode compared with in-person CBT, per outcome and
timepoint: which comparator (the hierarchy), the estimates, the diagnostics that gate
the verdict, and the missing-data sensitivity analysis.

Input is one row per episode, outcome scale and later timepoint (the shape of
`int_effectiveness_episodes`); output is plain rows for the comparison marts.

Per outcome and timepoint, each cohort (a program, a delivery mode, the in-person
programs of a province or of the country) is summarised once: its counts and means, and
its episodes grouped into cells of one covariate pattern with the sufficient statistics
of the outcome (`Cells`). A comparison then fits its models on the program's cells and
the comparator's, so the national in-person cohort, part of hundreds of comparisons, is
read and grouped once instead of once per program. The fits equal the episode-level
ones (estimates.py) up to rounding.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from pipelines.effectiveness import diagnostics as dx
from pipelines.effectiveness import estimates as est
from pipelines.effectiveness.config import BenchmarkConfig, EffectivenessConfig

RESPONDER_FLAGS = ("immpact_moderate_responder", "reliable_improvement")
OUTCOME_COLUMNS = ("instrument", "scale", "timepoint")
NUMERICAL_ZERO = 1e-10  # a standard error this small is rounding error on zero variance
GATING = (
    "sample_size",
    "outcome_variance",
    "covariate_balance",
    "equipoise",
    "minimum_detectable_difference",
    "noninferiority_margin",
)


@dataclass(frozen=True)
class Outcome:
    instrument: str
    scale: str
    label: str
    higher_is_better: bool
    mcid_points: float | None

    @property
    def sign(self) -> float:
        """Multiplies a native-direction difference into 'positive = better'."""
        return 1.0 if self.higher_is_better else -1.0


@dataclass(frozen=True)
class Spec:
    """One comparison: a subject (a program, or all programs of a delivery mode) and the
    in-person cohort it is compared with."""

    subject_type: str
    subject_id: str
    subject_name: str
    delivery_mode: str
    province: str | None
    status: str | None
    programs: tuple[str, ...]
    comparator_level: str
    comparator_province: str | None
    comparators: tuple[str, ...]
    is_primary: bool


@dataclass
class Result:
    row: dict[str, Any]
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    balance: list[dict[str, Any]] = field(default_factory=list)


def comparison_specs(programs: pl.DataFrame, config: EffectivenessConfig) -> list[Spec]:
    """The comparator hierarchy applied to every iCBT program, plus one row per mode.

    A program's local cohort is the in-person programs of its province; the national
    cohort is every in-person program (a second, sensitivity row where a local one
    exists); with no in-person program at all, benchmark_only. Delivery modes are a
    national question, so their comparator is the national cohort by design.
    """
    in_person = programs.filter(pl.col("is_in_person"))
    national = tuple(sorted(in_person["program_id"]))
    by_province: dict[str, tuple[str, ...]] = {}
    for row in in_person.iter_rows(named=True):
        by_province.setdefault(row["province"], ())
        by_province[row["province"]] += (row["program_id"],)
    specs = []
    icbt = programs.filter(~pl.col("is_in_person")).sort("program_id")
    for row in icbt.iter_rows(named=True):
        base = {
            "subject_type": "program",
            "subject_id": row["program_id"],
            "subject_name": row["program_name"],
            "delivery_mode": row["delivery_mode"],
            "province": row["province"],
            "status": row["status"],
            "programs": (row["program_id"],),
        }
        local = by_province.get(row["province"], ())
        if local:
            specs.append(
                Spec(
                    **base,
                    comparator_level="local",
                    comparator_province=row["province"],
                    comparators=local,
                    is_primary=True,
                )
            )
        if national and (not local or config.national_row_beside_local):
            specs.append(
                Spec(
                    **base,
                    comparator_level="national",
                    comparator_province=None,
                    comparators=national,
                    is_primary=not local,
                )
            )
        if not national:
            specs.append(
                Spec(
                    **base,
                    comparator_level="benchmark_only",
                    comparator_province=None,
                    comparators=(),
                    is_primary=True,
                )
            )
    for mode in sorted(set(icbt["delivery_mode"])):
        members = tuple(sorted(icbt.filter(pl.col("delivery_mode") == mode)["program_id"]))
        specs.append(
            Spec(
                subject_type="delivery_mode",
                subject_id=mode,
                subject_name=f"All {mode.replace('_', ' ')} programs",
                delivery_mode=mode,
                province=None,
                status=None,
                programs=members,
                comparator_level="national" if national else "benchmark_only",
                comparator_province=None,
                comparators=national,
                is_primary=True,
            )
        )
    return specs


def comparison_id(spec: Spec, outcome: Outcome, timepoint: str) -> str:
    return "|".join(
        (spec.subject_id, f"{outcome.instrument}.{outcome.scale}", timepoint, spec.comparator_level)
    )


def _diagnostic(
    name: str, status: str, value: float | None, threshold: float | None, detail: str, source: str
) -> dict[str, Any]:
    return {
        "diagnostic": name,
        "status": status,
        "value": value,
        "threshold": threshold,
        "detail": detail,
        "source": source,
    }


def _prepost_g(analysed: pl.DataFrame, outcome: Outcome) -> float | None:
    """Within-program standardised mean change: J * mean improvement / sqrt((SD_pre^2 +
    SD_post^2) / 2), the shape of the routine-care pre-post benchmarks."""
    n = analysed.height
    if n < 2:
        return None
    sd = np.sqrt((analysed["baseline_score"].var() + analysed["score"].var()) / 2)
    if not sd:
        return None
    j = 1.0 - 3.0 / (4.0 * (n - 1) - 1.0)
    return float(j * outcome.sign * analysed["change"].mean() / sd)


@dataclass(frozen=True)
class Cells:
    """Episodes of one arm grouped by covariate pattern, as parallel numpy arrays.

    `codes` holds each case-mix column's integer level codes (levels in `levels`, shared
    by every cohort of a run); `values` the baseline score and the cell statistics:
    `count` episodes, the mean `change` and its `change_within` sum of squared
    deviations, and responders judged and events per flag. A cell may hold one episode.
    """

    levels: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.values["count"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def coded(self, column: str) -> est.Coded:
        return est.Coded(self.levels[column], self.codes[column])

    @staticmethod
    def stack(first: Cells, second: Cells) -> Cells:
        """The program's cells followed by the comparator's."""
        return Cells(
            first.levels,
            {c: np.concatenate([first.codes[c], second.codes[c]]) for c in first.codes},
            {k: np.concatenate([first.values[k], second.values[k]]) for k in first.values},
        )


@dataclass(frozen=True)
class Imputed:
    """A cohort's completers and due episodes, completed by multiple imputation, as
    cells of case mix and baseline score: `change[:, m]` is each cell's mean change in
    imputation m and `within[:, m]` its sum of squared deviations."""

    cells: Cells
    change: np.ndarray
    within: np.ndarray


def _responder_stats(aggregate: bool) -> list[pl.Expr]:
    stats = []
    for flag in RESPONDER_FLAGS:
        judged, events = pl.col(flag).is_not_null(), pl.col(flag).fill_null(False)
        if aggregate:
            judged, events = judged.sum(), events.sum()
        stats += [judged.alias(f"{flag}_judged"), events.alias(f"{flag}_events")]
    return stats


class Cohort:
    """The episodes of one or more programs at one outcome and timepoint, and what every
    comparison it takes part in needs of them, each computed on first use.

    `aggregate` groups episodes of the same covariate pattern into one cell: worth it for
    a cohort that enters many comparisons or is large (comparators, delivery modes); a
    single program's episodes stay one cell each.
    """

    def __init__(
        self,
        rows: pl.DataFrame,
        case_mix: tuple[str, ...],
        config: EffectivenessConfig,
        aggregate: bool,
    ) -> None:
        self.rows = rows
        self.case_mix = case_mix
        self.outcome_covariates = config.outcome_covariates
        self.auxiliary = tuple(
            a for a in ("baseline_phq9", "completed_treatment") if a in config.auxiliary
        )
        self.imputations = int(config.value("imputations"))
        self.aggregate = aggregate

    @cached_property
    def analysed(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("score").is_not_null())

    @cached_property
    def due(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("is_due"))

    @cached_property
    def summary(self) -> dict[str, Any]:
        """Unweighted counts and moments, as every comparison row reports them."""
        analysed, due = self.analysed, self.due
        return {
            "n_due": due.height,
            "n_analysed": analysed.height,
            "completeness": _completeness(due),
            "mean_change": analysed["change"].mean() if analysed.height else None,
            "score_sd": analysed["score"].std() or 0.0,
        }

    @cached_property
    def analysed_cells(self) -> Cells:
        """Completers by case mix and baseline score: the completers analysis's cells."""
        if self.aggregate:
            stats = [
                pl.len().alias("count"),
                pl.col("change").mean(),
                ((pl.col("change") - pl.col("change").mean()) ** 2).sum().alias("change_within"),
            ]
        else:
            stats = [pl.lit(1).alias("count"), pl.col("change"), pl.lit(0.0).alias("change_within")]
        return self._cells(self.analysed, [*stats, *_responder_stats(self.aggregate)])

    @cached_property
    def imputed_cells(self) -> Imputed | None:
        """The completers and the due episodes without a score, by case mix and baseline
        score, each missing change multiply imputed within this cohort (`Imputed`); None
        when too few answered to fit the imputation model. An answer given before its
        window closed is data like any other; an episode not yet due and unanswered may
        still answer, so it is neither analysed nor imputed."""
        rows = self.rows
        observed = rows["change"].is_not_null().to_numpy()
        if not observed.any():
            return None
        x = self._imputation_design(rows)
        if observed.sum() <= x.shape[1] + 1:
            return None
        seed = zlib.crc32(
            "|".join(
                [*sorted(set(rows["program_id"])), *(str(rows[c][0]) for c in OUTCOME_COLUMNS)]
            ).encode()
        )
        completed = est.impute_normal(
            x,
            rows["change"].fill_null(0.0).to_numpy().astype(float),
            observed,
            self.imputations,
            np.random.default_rng(seed),
        )
        names = [f"change_{m}" for m in range(self.imputations)]
        frame = rows.select(*self.case_mix, "baseline_score").with_columns(
            pl.DataFrame(completed, schema=names)
        )
        if self.aggregate:
            stats = [pl.len().alias("count"), *(pl.col(n).mean() for n in names)]
            stats += [((pl.col(n) - pl.col(n).mean()) ** 2).sum().alias(f"w{n}") for n in names]
        else:
            stats = [pl.lit(1).alias("count"), *(pl.col(n) for n in names)]
            stats += [pl.lit(0.0).alias(f"w{n}") for n in names]
        cells = self._cells(frame, stats)
        return Imputed(
            cells,
            np.column_stack([cells.values.pop(n) for n in names]),
            np.column_stack([cells.values.pop(f"w{n}") for n in names]),
        )

    def _imputation_design(self, rows: pl.DataFrame) -> np.ndarray:
        """Predictors of the missing change: the outcome model's case mix and baseline,
        the auxiliary variables (baseline PHQ-9 with a missing indicator, completion of
        treatment), the change at the trajectory's earlier timepoint with a missing
        indicator, and the program where the cohort holds several."""
        categorical: dict[str, np.ndarray | est.Coded] = {
            c: est.Coded(
                np.asarray(rows[c].dtype.categories.to_list(), dtype=str),
                rows[c].to_physical().to_numpy().astype(np.int64),
            )
            for c in self.outcome_covariates
        }
        categorical["program_id"] = rows["program_id"].to_numpy()
        continuous = {"baseline_score": rows["baseline_score"].cast(pl.Float64).to_numpy()}
        known = {"earlier_change": rows["earlier_change"]}
        if "baseline_phq9" in self.auxiliary:
            known["baseline_phq9"] = rows["baseline_phq9"]
        for name, column in known.items():
            values = column.cast(pl.Float64)
            continuous[name] = values.fill_null(values.mean() or 0.0).to_numpy()
            continuous[f"{name}_missing"] = values.is_null().cast(pl.Float64).to_numpy()
        if "completed_treatment" in self.auxiliary:
            continuous["completed_treatment"] = (
                rows["completed_treatment"].fill_null(False).cast(pl.Float64).to_numpy()
            )
        matrix, _ = est.design(categorical, continuous)
        return matrix

    def _cells(self, rows: pl.DataFrame, stats: list[pl.Expr]) -> Cells:
        keys = [*self.case_mix, "baseline_score"]
        if self.aggregate:
            cells = rows.group_by(keys, maintain_order=True).agg(stats)
        else:
            cells = rows.select(*keys, *stats)
        values = cells.drop(self.case_mix).with_columns(pl.all().cast(pl.Float64))
        return Cells(
            {c: np.asarray(rows[c].dtype.categories.to_list(), dtype=str) for c in self.case_mix},
            {c: cells[c].to_physical().to_numpy().astype(np.int64) for c in self.case_mix},
            {c: values[c].to_numpy() for c in values.columns},
        )


class Cohorts:
    """The cohorts of one outcome and timepoint, each built once: the national in-person
    cohort serves every program's national comparison and every delivery mode's."""

    def __init__(
        self, rows: pl.DataFrame, case_mix: tuple[str, ...], config: EffectivenessConfig
    ) -> None:
        self.parts = {k[0]: v for k, v in rows.partition_by("program_id", as_dict=True).items()}
        self.empty = rows.clear()
        self.case_mix, self.config = case_mix, config
        self.built: dict[tuple[str, ...], Cohort] = {}

    def get(self, ids: tuple[str, ...], comparator: bool = False) -> Cohort:
        if ids not in self.built:
            frames = [self.parts[i] for i in ids if i in self.parts]
            rows = pl.concat(frames, how="vertical_relaxed") if frames else self.empty
            aggregate = comparator or len(ids) > 1
            self.built[ids] = Cohort(rows, self.case_mix, self.config, aggregate)
        return self.built[ids]


def analyse(
    program: Cohort,
    comparator: Cohort,
    outcome: Outcome,
    config: EffectivenessConfig,
) -> Result:
    """Estimates and diagnostics of one comparison (both cohorts: one outcome, one
    timepoint, episodes whose timepoint is due)."""
    t = config.thresholds
    min_n = int(config.value("min_episodes_per_group"))
    p, c = program.summary, comparator.summary
    row: dict[str, Any] = {
        "n_program_due": p["n_due"],
        "n_program_analysed": p["n_analysed"],
        "n_comparator_due": c["n_due"],
        "n_comparator_analysed": c["n_analysed"],
        "program_completeness": p["completeness"],
        "comparator_completeness": c["completeness"],
        "program_mean_change": p["mean_change"],
        "comparator_mean_change": c["mean_change"],
        "program_prepost_g": _prepost_g(program.analysed, outcome),
        "mcid_points": outcome.mcid_points,
        "noninferiority_margin": (
            outcome.mcid_points * config.value("margin_mcid_fraction")
            if outcome.mcid_points is not None
            else None
        ),
    }
    result = Result(row)
    smallest = min(p["n_analysed"], c["n_analysed"])
    if smallest < min_n:
        result.diagnostics.append(
            _diagnostic(
                "sample_size",
                "fail",
                smallest,
                min_n,
                f"{p['n_analysed']} program and {c['n_analysed']} comparator episodes analysed",
                t["min_episodes_per_group"].source,
            )
        )
        for name in GATING[1:]:
            result.diagnostics.append(
                _diagnostic(name, "not_applicable", None, None, "not estimated", "")
            )
        return result
    result.diagnostics.append(
        _diagnostic("sample_size", "pass", smallest, min_n, "", t["min_episodes_per_group"].source)
    )
    _estimate(result, program, comparator, outcome, config)
    _missing_data_sensitivity(result, program.imputed_cells, comparator.imputed_cells, config)
    row["crude_difference"] = row["program_mean_change"] - row["comparator_mean_change"]
    return result


def _completeness(due: pl.DataFrame) -> float | None:
    """Share of due episodes with the timepoint's score (early answers to a window still
    open are analysed but not counted here: their peers may still answer)."""
    return due["score"].is_not_null().mean() if due.height else None


def add_earlier_change(episodes: pl.DataFrame, trajectory: dict[str, str]) -> pl.DataFrame:
    """`earlier_change`: the episode's answered change on the same scale at the timepoint
    before this one on its trajectory (the post-treatment change beside follow-up), NULL
    when unanswered or when the timepoint has no earlier one; a predictor of the
    multiple imputation, not of the analysis."""
    keys = ["episode_id", "instrument", "scale"]
    earlier = pl.DataFrame(
        {"timepoint": list(trajectory), "earlier_timepoint": list(trajectory.values())},
        schema={"timepoint": episodes["timepoint"].dtype, "earlier_timepoint": pl.String},
    )
    answered = episodes.filter(pl.col("score").is_not_null()).select(
        *keys,
        pl.col("timepoint").cast(pl.String).alias("earlier_timepoint"),
        pl.col("change").alias("earlier_change"),
    )
    return (
        episodes.join(earlier, on="timepoint", how="left", maintain_order="left")
        .join(answered, on=[*keys, "earlier_timepoint"], how="left", maintain_order="left")
        .drop("earlier_timepoint")
    )


def encode_case_mix(episodes: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Case-mix columns as Enums of their sorted levels (missing is the level "missing"),
    once for all comparisons: each design matrix then reads integer codes instead of
    sorting and comparing strings."""
    filled = {c: episodes[c].cast(pl.String).fill_null("missing") for c in columns}
    return episodes.with_columns(
        values.cast(pl.Enum(values.unique().sort())).alias(c) for c, values in filled.items()
    )


def _covariates(cells: Cells, columns: tuple[str, ...]) -> np.ndarray:
    """Indicator columns of `columns` and the centred baseline score."""
    matrix, _ = est.design(
        {c: cells.coded(c) for c in columns},
        {"baseline_score": cells["baseline_score"]},
        cells["count"],
    )
    return matrix


def _balance_matrix(cells: Cells, columns: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Every level of each categorical column as an indicator (reference included)."""
    parts, names = [], []
    for column in columns:
        coded = cells.coded(column)
        present = np.flatnonzero(np.bincount(coded.codes, minlength=len(coded.levels)))
        parts.append((coded.codes[:, None] == present[None, :]).astype(float))
        names += [f"{column}={coded.levels[level]}" for level in present]
    return np.hstack(parts) if parts else np.empty((len(cells), 0)), names


def _estimate(
    result: Result,
    program: Cohort,
    comparator: Cohort,
    outcome: Outcome,
    config: EffectivenessConfig,
) -> None:
    row, t, conf = result.row, config.thresholds, config.confidence
    p_cells, c_cells = program.analysed_cells, comparator.analysed_cells
    both = Cells.stack(p_cells, c_cells)
    treated = np.r_[np.ones(len(p_cells), bool), np.zeros(len(c_cells), bool)]
    counts = both["count"]
    x = _covariates(both, config.outcome_covariates)
    propensity = est.logistic_probabilities(
        _covariates(both, config.propensity_covariates), treated * counts, counts
    )
    weights = est.overlap_weights(treated, propensity)

    matrix, names = _balance_matrix(both, config.propensity_covariates)
    matrix = np.column_stack([matrix, both["baseline_score"]])
    balance = dx.standardised_differences(
        matrix, [*names, "baseline_score"], treated, weights, counts
    )
    modelled = {*config.outcome_covariates, "baseline_score"}
    result.balance += [
        {**vars(b), "in_outcome_model": b.covariate.split("=")[0] in modelled} for b in balance
    ]
    worst = max(balance, key=lambda b: abs(b.smd_after))
    max_smd = config.value("max_abs_smd")
    row["max_abs_smd_before"] = max(abs(b.smd_before) for b in balance)
    row["max_abs_smd_after"] = abs(worst.smd_after)
    result.diagnostics.append(
        _diagnostic(
            "covariate_balance",
            "pass" if abs(worst.smd_after) <= max_smd else "fail",
            abs(worst.smd_after),
            max_smd,
            f"largest after weighting: {worst.covariate}",
            t["max_abs_smd"].source,
        )
    )
    low, high = config.value("equipoise_low"), config.value("equipoise_high")
    equipoise = dx.fraction_in_equipoise(propensity, treated, low, high, counts)
    row["fraction_in_equipoise"] = equipoise
    minimum = config.value("min_fraction_in_equipoise")
    result.diagnostics.append(
        _diagnostic(
            "equipoise",
            "pass" if equipoise >= minimum else "fail",
            equipoise,
            minimum,
            f"share with preference score in [{low}, {high}]",
            t["min_fraction_in_equipoise"].source,
        )
    )

    adjusted = est.ancova(
        both["change"], treated, x, weights, counts=counts, within=both["change_within"]
    )
    row["adjusted_difference"] = adjusted.value
    row["adjusted_se"] = adjusted.se
    row["adjusted_df"] = adjusted.df
    row["adjusted_ci_low"], row["adjusted_ci_high"] = adjusted.interval(conf)
    if not adjusted.se > NUMERICAL_ZERO:
        result.diagnostics.append(
            _diagnostic(
                "outcome_variance",
                "fail",
                0.0,
                None,
                "no residual variance: the standard error cannot be estimated",
                "",
            )
        )
    else:
        result.diagnostics.append(
            _diagnostic("outcome_variance", "pass", adjusted.se, None, "", "")
        )

    p, c = program.summary, comparator.summary
    sd = est.pooled_sd(p["score_sd"], p["n_analysed"], c["score_sd"], c["n_analysed"])
    if sd > 0:
        g = est.standardised_difference(
            est.Estimate(outcome.sign * adjusted.value, adjusted.se, adjusted.df),
            sd,
            p["n_analysed"],
            c["n_analysed"],
        )
        row["hedges_g"] = g.value
        row["hedges_g_ci_low"], row["hedges_g_ci_high"] = g.interval(conf)

    for flag in RESPONDER_FLAGS:
        judged, events = both[f"{flag}_judged"], both[f"{flag}_events"]
        if judged[treated].sum() == 0 or judged[~treated].sum() == 0:
            continue
        arm = treated & (judged > 0), ~treated & (judged > 0)
        p1, p0 = (est.weighted_proportion(events[a], weights[a], judged[a]) for a in arm)
        rd = est.risk_difference(p1, p0)
        rr = est.log_risk_ratio(p1, p0)
        row[f"{flag}_program"] = p1.p
        row[f"{flag}_comparator"] = p0.p
        row[f"{flag}_rd"] = rd.value
        row[f"{flag}_rd_ci_low"], row[f"{flag}_rd_ci_high"] = rd.interval(conf)
        if rr is not None:
            low_rr, high_rr = rr.interval(conf)
            row[f"{flag}_rr"] = float(np.exp(rr.value))
            row[f"{flag}_rr_ci_low"], row[f"{flag}_rr_ci_high"] = np.exp(low_rr), np.exp(high_rr)

    mdd = dx.minimum_detectable_difference(adjusted.se, conf, config.value("power"))
    row["minimum_detectable_difference"] = mdd
    if outcome.mcid_points is None:
        result.diagnostics.append(
            _diagnostic(
                "minimum_detectable_difference",
                "not_applicable",
                mdd,
                None,
                "no published MCID to compare with",
                t["mdd_max_mcid_fraction"].source,
            )
        )
        result.diagnostics.append(
            _diagnostic(
                "noninferiority_margin",
                "fail",
                None,
                None,
                "no published MCID, so no margin and no verdict",
                t["margin_mcid_fraction"].source,
            )
        )
    else:
        limit = outcome.mcid_points * config.value("mdd_max_mcid_fraction")
        result.diagnostics.append(
            _diagnostic(
                "minimum_detectable_difference",
                "pass" if mdd <= limit else "fail",
                mdd,
                limit,
                "difference detectable with the configured power",
                t["mdd_max_mcid_fraction"].source,
            )
        )
        result.diagnostics.append(
            _diagnostic(
                "noninferiority_margin",
                "pass",
                row["noninferiority_margin"],
                None,
                "half the MCID (configurable)",
                t["margin_mcid_fraction"].source,
            )
        )


def _verdict_for(estimate_low: float, estimate_high: float, outcome: Outcome, margin: float) -> str:
    """Verdict from a native-direction CI, turned into 'positive = program better'."""
    low, high = sorted((outcome.sign * estimate_low, outcome.sign * estimate_high))
    return dx.noninferiority_verdict(low, high, margin)


def _missing_data_sensitivity(
    result: Result, program: Imputed | None, comparator: Imputed | None, config: EffectivenessConfig
) -> None:
    """The weighted ANCOVA of the completers and every due episode without a score, its
    missing changes multiply imputed (missing at random given the imputation model),
    combined by Rubin's rules. The propensity and overlap weights are fitted once on
    those episodes; only the outcome changes between imputations. Left empty when either
    arm could not be imputed."""
    if program is None or comparator is None:
        return
    both = Cells.stack(program.cells, comparator.cells)
    treated = np.r_[np.ones(len(program.cells), bool), np.zeros(len(comparator.cells), bool)]
    counts = both["count"]
    x = _covariates(both, config.outcome_covariates)
    propensity = est.logistic_probabilities(
        _covariates(both, config.propensity_covariates), treated * counts, counts
    )
    weights = est.overlap_weights(treated, propensity)
    change = np.vstack([program.change, comparator.change])
    within = np.vstack([program.within, comparator.within])
    combined = est.rubin(
        [
            est.ancova(change[:, m], treated, x, weights, counts=counts, within=within[:, m])
            for m in range(change.shape[1])
        ]
    )
    row = result.row
    row["sensitivity_difference"] = combined.value
    row["sensitivity_ci_low"], row["sensitivity_ci_high"] = combined.interval(config.confidence)


def gate(result: Result, outcome: Outcome) -> None:
    """Verdicts only where every gating diagnostic passed; otherwise the failures, named."""
    row = result.row
    failed = [d["diagnostic"] for d in result.diagnostics if d["status"] == "fail"]
    row["diagnostics_failed"] = failed
    row["diagnostics_passed"] = not failed
    margin = row["noninferiority_margin"]
    if not failed:
        row["verdict"] = _verdict_for(
            row["adjusted_ci_low"], row["adjusted_ci_high"], outcome, margin
        )
        row["verdict_display"] = row["verdict"]
        row["sensitivity_verdict"] = (
            _verdict_for(row["sensitivity_ci_low"], row["sensitivity_ci_high"], outcome, margin)
            if row.get("sensitivity_ci_low") is not None
            else None
        )
    else:
        row["verdict"] = None
        row["sensitivity_verdict"] = None
        row["verdict_display"] = "not shown: " + ", ".join(failed)


def _benchmarks(outcome: Outcome, benchmarks: BenchmarkConfig) -> dict[str, Any]:
    domain = benchmarks.domain_of(outcome.instrument, outcome.scale)
    out: dict[str, Any] = {"benchmark_domain": domain}
    for role, prefix in (
        ("in_person_vs_control", "benchmark_in_person"),
        ("internet_vs_control", "benchmark_internet"),
        ("routine_care_pre_post", "benchmark_routine_care"),
    ):
        b = benchmarks.shown(domain, role)
        out[f"{prefix}_id"] = b.id if b else None
        out[f"{prefix}_effect"] = b.improvement if b else None
    return out


def run_comparisons(
    episodes: pl.DataFrame,
    programs: pl.DataFrame,
    outcomes: list[Outcome],
    config: EffectivenessConfig,
    benchmarks: BenchmarkConfig,
) -> Iterator[Result]:
    """Every comparison of every outcome and timepoint, in a stable order.

    `episodes` holds every episode with a baseline; only those whose timepoint is due
    (or answered) enter a comparison, but a program with none due yet still gets its
    rows, flagged too small, so that no program silently disappears.
    """
    specs = comparison_specs(programs, config)
    case_mix = tuple(dict.fromkeys((*config.propensity_covariates, *config.outcome_covariates)))
    episodes = encode_case_mix(add_earlier_change(episodes, config.trajectory), case_mix)
    due = episodes.filter(pl.col("is_due") | pl.col("score").is_not_null())
    timepoints = sorted(episodes["timepoint"].unique())
    for outcome in outcomes:
        rows = due.filter(
            (pl.col("instrument") == outcome.instrument) & (pl.col("scale") == outcome.scale)
        )
        measured = set(
            episodes.filter(
                (pl.col("instrument") == outcome.instrument) & (pl.col("scale") == outcome.scale)
            )["program_id"].unique()
        )
        for timepoint in timepoints:
            at = rows.filter(pl.col("timepoint") == timepoint)
            cohorts = Cohorts(at, case_mix, config)

            for spec in specs:
                if not measured.intersection(spec.programs):
                    continue
                subject = cohorts.get(spec.programs)
                if spec.comparator_level == "benchmark_only":
                    result = Result(_benchmark_only_row(subject.rows, outcome, config))
                    result.diagnostics.append(
                        _diagnostic(
                            "in_person_cohort",
                            "fail",
                            0,
                            None,
                            "no in-person CBT cohort: literature benchmark only",
                            config.provenance["comparator_hierarchy"].source,
                        )
                    )
                else:
                    result = analyse(subject, cohorts.get(spec.comparators, True), outcome, config)
                gate(result, outcome)
                cid = comparison_id(spec, outcome, timepoint)
                result.row.update(
                    {
                        "comparison_id": cid,
                        "subject_type": spec.subject_type,
                        "subject_id": spec.subject_id,
                        "subject_name": spec.subject_name,
                        "delivery_mode": spec.delivery_mode,
                        "province": spec.province,
                        "program_status": spec.status,
                        "comparator_level": spec.comparator_level,
                        "comparator_province": spec.comparator_province,
                        "comparator_programs": list(spec.comparators),
                        "is_primary": spec.is_primary,
                        "is_indirect": spec.subject_type == "program"
                        and spec.comparator_level != "local",
                        "instrument": outcome.instrument,
                        "scale": outcome.scale,
                        "outcome_label": outcome.label,
                        "higher_is_better": outcome.higher_is_better,
                        "timepoint": timepoint,
                        **_benchmarks(outcome, benchmarks),
                    }
                )
                for item in (*result.diagnostics, *result.balance):
                    item["comparison_id"] = cid
                yield result


def _benchmark_only_row(
    subject: pl.DataFrame, outcome: Outcome, config: EffectivenessConfig
) -> dict[str, Any]:
    analysed = subject.filter(pl.col("score").is_not_null())
    due = subject.filter(pl.col("is_due"))
    return {
        "n_program_due": due.height,
        "n_program_analysed": analysed.height,
        "n_comparator_due": 0,
        "n_comparator_analysed": 0,
        "program_completeness": _completeness(due),
        "program_mean_change": analysed["change"].mean() if analysed.height else None,
        "program_prepost_g": _prepost_g(analysed, outcome),
        "mcid_points": outcome.mcid_points,
        "noninferiority_margin": (
            outcome.mcid_points * config.value("margin_mcid_fraction")
            if outcome.mcid_points is not None
            else None
        ),
    }
