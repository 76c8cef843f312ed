"""The statistics of attorney QA: how many decisions to check, and what the checks show.

- `sample_size`: Cochran's n0 = z^2 p(1-p) / e^2 for a margin e at a confidence, with the
  finite-population correction n = n0 / (1 + (n0 - 1) / N) when the population is known.
- `accept_on_zero`: the smallest n for which finding no error shows, at the confidence, that
  the error rate is below a bound (binomial; hypergeometric when the population is known).
- `wilson`: the Wilson score interval of a proportion. A batch is a finite population the
  sample often takes most of, so with `population` the interval uses the effective sample
  size n (N-1) / (N-n) (the variance of a proportion sampled without replacement is the
  binomial one times (N-n)/(N-1)); a census (n = N) is exact.
- `recall_from_elusion`: recall estimated from the elusion rate of the null set, its interval
  carried from the elusion interval (recall falls as elusion rises).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist


def z_value(confidence: float) -> float:
    """Two-sided critical value: 1.95996 for 95%."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def sample_size(confidence: float, margin: float, population: int | None = None, p: float = 0.5) -> int:
    """Decisions to check for a margin of error at a confidence.

    p = 0.5 is the worst case: the sample holds the margin whatever the true error rate.
    """
    if not 0 < margin < 1:
        raise ValueError(f"margin must be between 0 and 1 (e.g. 0.05 for ±5%), not {margin!r}")
    z = z_value(confidence)
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None:
        return math.ceil(n0)
    if population <= 0:
        return 0
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def accept_on_zero(confidence: float, max_rate: float, population: int | None = None) -> int:
    """The smallest sample in which zero errors shows the error rate below `max_rate` at `confidence`.

    Binomial: (1 - R)^n <= 1 - C, so n = ceil(ln(1 - C) / ln(1 - R)) (59 for 95% and 5%).
    With a population N: the smallest n for which a population holding D = ceil(R N) errors (the
    fewest that reach the bound) gives an error-free sample with probability at most 1 - C.
    """
    z_value(confidence)  # validates
    if not 0 < max_rate < 1:
        raise ValueError(f"max_rate must be between 0 and 1 (e.g. 0.05), not {max_rate!r}")
    alpha = 1 - confidence
    if population is None:
        # The epsilon keeps a float like 58.0000000001 (an exact fit) from rounding up.
        return math.ceil(math.log(alpha) / math.log(1 - max_rate) - 1e-9)
    if population <= 0:
        return 0
    defects = math.ceil(max_rate * population - 1e-9)
    p_zero = 1.0
    for n in range(1, population + 1):
        p_zero *= (population - defects - (n - 1)) / (population - (n - 1))
        if p_zero <= alpha:
            return n
    return population


@dataclass(frozen=True)
class Interval:
    """A proportion k/n with its interval at a confidence."""

    k: int
    n: int
    rate: float | None
    lower: float | None
    upper: float | None
    confidence: float

    def below(self, threshold: float) -> bool:
        """Whether the whole interval lies under the threshold (the acceptance rule)."""
        return self.upper is not None and self.upper < threshold

    def as_dict(self) -> dict:
        return {"k": self.k, "n": self.n, "rate": self.rate, "lower": self.lower, "upper": self.upper}


def wilson(k: int, n: int, confidence: float = 0.95, population: int | None = None) -> Interval:
    """Wilson score interval of k successes in n, finite-population corrected when N is given."""
    if n < 0 or not 0 <= k <= max(n, 0):
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if population is not None and population < n:
        raise ValueError(f"sample of {n} from a population of {population}")
    if n == 0:
        return Interval(k, n, None, None, None, confidence)
    p = k / n
    if population is not None and n == population:  # a census: nothing left to estimate
        return Interval(k, n, p, p, p, confidence)
    z = z_value(confidence)
    m = n if population is None or population <= 1 else n * (population - 1) / (population - n)
    z2 = z * z
    centre = (p + z2 / (2 * m)) / (1 + z2 / m)
    half = z / (1 + z2 / m) * math.sqrt(p * (1 - p) / m + z2 / (4 * m * m))
    # k = 0 and k = n pin a bound at 0 or 1 exactly (the formula leaves rounding dust there).
    lower = 0.0 if k == 0 else max(0.0, centre - half)
    upper = 1.0 if k == n else min(1.0, centre + half)
    return Interval(k, n, p, lower, upper, confidence)


@dataclass(frozen=True)
class RecallEstimate:
    produced: int          # documents coded responsive (found)
    null_set: int          # documents coded not responsive or not reviewed (the elusion population)
    elusion: Interval
    estimated_missed: float
    recall: float | None
    lower: float | None
    upper: float | None


def recall_from_elusion(found: int, null_set: int, elusion: Interval) -> RecallEstimate:
    """recall = found / (found + elusion x null set), with the elusion interval's bounds carried over."""
    def recall(e: float | None) -> float | None:
        if e is None:
            return None
        missed = e * null_set
        return found / (found + missed) if found + missed > 0 else None

    missed = (elusion.rate or 0.0) * null_set
    return RecallEstimate(found, null_set, elusion, missed, recall(elusion.rate),
                          recall(elusion.upper), recall(elusion.lower))
