"""Attorney QA: how many first-pass decisions to check, and which (seeded, reproducible)."""

from __future__ import annotations

import math
import random
from statistics import NormalDist


def sample_size(confidence: float, margin: float, population: int | None = None, p: float = 0.5) -> int:
    """Cochran's n0 = z^2 p(1-p) / e^2, with the finite-population correction when N is known.

    p = 0.5 is the worst case: the sample holds the margin whatever the true error rate.
    """
    if not 0 < confidence < 1 or not 0 < margin < 1:
        raise ValueError("confidence and margin must be between 0 and 1, e.g. 0.95 and 0.05")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    n0 = z * z * p * (1 - p) / (margin * margin)
    if population is None:
        return math.ceil(n0)
    if population <= 0:
        return 0
    return min(population, math.ceil(n0 / (1 + (n0 - 1) / population)))


def draw_sample(population: list[str], size: int, seed: int) -> list[str]:
    """A simple random sample; the same population, size and seed give the same sample."""
    return sorted(random.Random(seed).sample(sorted(population), min(size, len(population))))
