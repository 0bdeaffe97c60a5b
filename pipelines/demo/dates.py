"""Days and delivery months as integers, so the simulation stays in numpy.

Dates are int32 day numbers (days since 1970-01-01) and timestamps int64 seconds since
the epoch, in UTC. An event that never happens gets `NEVER`, a day far beyond any
window, so "did it happen by the end of month M" is a single comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from pipelines.demo.config import add_months

NEVER = 10_000_000
SECONDS_PER_DAY = 86_400
_EPOCH = date(1970, 1, 1).toordinal()


def day_number(d: date) -> int:
    return d.toordinal() - _EPOCH


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


@dataclass(frozen=True)
class Window:
    """The delivered months: batch 0 is the first month, batch `months - 1` end_month."""

    first_month: date
    months: int

    @property
    def first_day(self) -> int:
        return day_number(self.first_month)

    @property
    def end_day(self) -> int:
        """Last day of the last delivered month: nothing is dated after it."""
        return day_number(add_months(self.first_month, self.months)) - 1

    def batch_of(self, days: np.ndarray) -> np.ndarray:
        """Batch index of each day (negative before, >= months after the window)."""
        return month_index(days) - month_index(np.array([self.first_day]))[0]

    def batch_end_day(self, batch: int) -> int:
        return day_number(add_months(self.first_month, batch + 1)) - 1

    def label(self, batch: int) -> str:
        return add_months(self.first_month, batch).strftime("%Y-%m")
