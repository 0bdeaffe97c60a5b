"""Between-unit variance by the method of moments: the one place it is computed.

DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
1986;7:177-88: tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w)), w = 1/v.
Three callers differ only in their Q: pooled effectiveness estimates (Cochran's Q of the
effects), the funnel plot's additive over-dispersion (k times the winsorised mean squared
z-score, Spiegelhalter, Stat Med 2005) and the shrinkage of province offsets (Cochran's Q
of the offsets).
"""

from __future__ import annotations

import numpy as np


def dersimonian_laird(q: float, weights: np.ndarray) -> float:
    """tau^2 from a heterogeneity statistic `q` over k units with inverse-variance weights;
    0 when there is no excess over k - 1 or fewer than two units."""
    k = len(weights)
    scale = float(weights.sum() - (weights**2).sum() / weights.sum()) if k else 0.0
    return max(0.0, (q - (k - 1)) / scale) if scale > 0 else 0.0
