"""When to stop reviewing: the knee method and the target method (Cormack & Grossman, 2016).

- Knee: the gain curve (responsive found against documents reviewed) of a good ranking
  rises steeply, then flattens. At a batch boundary s with `found` responsive, the knee is
  the point of the curve farthest from the line from the origin to (s, found); the slope
  ratio is the slope before the knee over the slope after it (+1 responsive after, so an
  empty tail does not divide by zero). Stop when the ratio reaches 156 - min(found, 150)
  and at least 150 documents are reviewed: few responsive found demand a sharper knee.
- Target: a simple random sample drawn until it holds K responsive documents (the target
  set); review in ranked order until every target is found. If recall were below R, each
  target would be missed with probability above 1 - R, so finding all K shows recall >= R
  with confidence 1 - R^K: K = ceil(ln(1 - C) / ln(R)), 14 for 80% at 95%.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

KNEE_MIN_REVIEWED = 150


def knee(gains: Sequence[int]) -> int | None:
    """Index (documents reviewed) of the knee of a cumulative gain curve; gains[i] = found after i + 1."""
    s = len(gains)
    if s < 2 or gains[-1] == 0:
        return None
    x = np.arange(1, s + 1, dtype=float)
    y = np.asarray(gains, dtype=float)
    # distance from the chord (0,0)-(s, found), up to a constant factor
    d = y * s - x * y[-1]
    return int(np.argmax(d)) + 1


def knee_ratio(gains: Sequence[int]) -> float | None:
    k = knee(gains)
    if k is None:
        return None
    s, found = len(gains), gains[-1]
    before = gains[k - 1] / k
    after = (found - gains[k - 1] + 1) / max(1, s - k)
    return before / after


def knee_should_stop(gains: Sequence[int]) -> bool:
    """Cormack & Grossman's knee rule, evaluated at a batch boundary."""
    s = len(gains)
    if s < KNEE_MIN_REVIEWED or not gains or gains[-1] == 0:
        return False
    rho = knee_ratio(gains)
    return rho is not None and rho >= 156 - min(gains[-1], 150)


def target_size(recall: float = 0.8, confidence: float = 0.95) -> int:
    """Responsive documents the target set needs for the recall guarantee (14 for 80% at 95%)."""
    if not 0 < recall < 1 or not 0 < confidence < 1:
        raise ValueError("recall and confidence must be between 0 and 1")
    return math.ceil(math.log(1 - confidence) / math.log(recall) - 1e-9)
