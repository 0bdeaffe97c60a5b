"""What the demo generator plants, in one frozen configuration.

Every truth a downstream test checks (program effects, the safety signal, the case-mix
drift, missingness) is a field here, so a test can switch it off or make it stronger
and the generator stays the single place that knows how the data were made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date


def add_months(month: date, k: int) -> date:
    """First day of the month `k` months after `month` (negative `k` goes back)."""
    index = month.year * 12 + month.month - 1 + k
    return date(index // 12, index % 12 + 1, 1)


def default_end_month(today: date) -> date:
    """The last complete month before `today`: the newest batch a sender could deliver."""
    return add_months(today.replace(day=1), -1)


def _previous_month() -> date:
    return default_end_month(date.today())


@dataclass(frozen=True)
class GeneratorConfig:
    """One demo data set: same configuration, same bytes."""

    n_episodes: int = 20_000
    seed: int = 7
    end_month: date = field(default_factory=_previous_month)
    months: int = 24
    # Program effects relative to in-person CBT, in each scale's points (native direction,
    # negative = larger reduction): {"ICBT05": {"PHQ9.total": -2.0}}. Overrides the
    # archetype's default for the named outcomes only.
    effect_overrides: dict[str, dict[str, float]] = field(default_factory=dict)
    # Safety plant: the program's probability of a PHQ-9 deterioration rises for episodes
    # whose post-treatment assessment falls in or after `safety_from_month`
    # (default: 8 months before end_month).
    plant_safety_signal: bool = True
    safety_program: str = "ICBT07"
    safety_from_month: date | None = None
    safety_planted_probability: float = 0.15
    # Drift plant: from `drift_from_month` (default: 6 months before end_month) the
    # program's referrals are older and more severe.
    plant_drift: bool = True
    drift_program: str = "ICBT09"
    drift_from_month: date | None = None
    drift_age_shift_years: float = 12.0
    drift_severity_shift_sd: float = 0.5
    # Probability that an episode's PHQ-9 deteriorates (a shock of 6.5-11 points). About
    # 5-10% of face-to-face patients deteriorate (Rozental et al., Internet Interv 2014);
    # guided iCBT about 3.4% vs 7.6% in controls (Ebert et al., Psychol Med 2016).
    deterioration_in_person: float = 0.065
    deterioration_icbt: float = 0.03
    # Missingness. Follow-up response is missing at random given age band, rurality and
    # baseline PHQ-9 (parameters.FOLLOW_UP_LOGIT_*); follow_up_response is the rate of a
    # reference patient (45-54, urban, baseline PHQ-9 13.5, not dropped out).
    item_skip_rate: float = 0.015
    baseline_missing_rate: float = 0.02
    biweekly_response: float = 0.85
    post_response_completers: float = 0.9
    post_response_dropouts: float = 0.3
    follow_up_response: float = 0.6
    # Episodes simulated and written at once: bounds memory (about 0.45 GB at 10,000).
    # Each chunk has its own random streams, so a different size gives different data.
    chunk_size: int = 10_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "end_month", self.end_month.replace(day=1))
        if self.n_episodes < 1 or self.months < 1 or self.chunk_size < 1:
            raise ValueError("n_episodes, months and chunk_size must be at least 1")
        for name in ("safety_from_month", "drift_from_month"):
            value = getattr(self, name)
            if value is not None:
                value = value.replace(day=1)
                object.__setattr__(self, name, value)
                if not self.first_month <= value <= self.end_month:
                    raise ValueError(f"{name} {value:%Y-%m} is outside the generated months")
        rates = (
            "safety_planted_probability",
            "deterioration_in_person",
            "deterioration_icbt",
            "item_skip_rate",
            "baseline_missing_rate",
            "biweekly_response",
            "post_response_completers",
            "post_response_dropouts",
            "follow_up_response",
        )
        for name in rates:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be a probability")

    @property
    def first_month(self) -> date:
        return add_months(self.end_month, 1 - self.months)

    @property
    def safety_month(self) -> date:
        return self.safety_from_month or max(self.first_month, add_months(self.end_month, -8))

    @property
    def drift_month(self) -> date:
        return self.drift_from_month or max(self.first_month, add_months(self.end_month, -6))

    def as_json(self) -> dict:
        """The configuration as JSON-ready values (dates as ISO strings)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, date):
                out[key] = value.isoformat()
        return out
