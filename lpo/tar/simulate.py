"""Replay a review over a labeled collection: CAL ranks, the labels play the reviewers, a stopping
rule says when to stop. Used by bench/tar_eval.py and the tests; the pipeline runs the same CAL
over real coding (lpo.tar.review)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from lpo.tar.cal import CAL
from lpo.tar.stopping import knee_should_stop, target_size


@dataclass
class CALSimulation:
    order: list[int]                      # documents in the order reviewed (seed first)
    relevant: int                         # responsive documents in the collection
    labels: np.ndarray = field(repr=False)
    stopped_at: int | None = None         # documents reviewed when the stopping rule fired (cost included)
    extra_cost: int = 0                   # documents reviewed outside the ranking (the target method's sample)
    rounds: int = 0

    def gains(self) -> np.ndarray:
        return np.cumsum(self.labels[self.order])

    def reviewed_at_recall(self, target: float) -> int | None:
        """Documents reviewed (the target method's sample included) when recall first reaches `target`."""
        need = math.ceil(target * self.relevant - 1e-9)
        g = self.gains()
        hit = np.flatnonzero(g >= need)
        return int(hit[0]) + 1 + self.extra_cost if len(hit) and need > 0 else None

    @property
    def recall_at_stop(self) -> float | None:
        if self.stopped_at is None or not self.relevant:
            return None
        ranked = max(0, self.stopped_at - self.extra_cost)
        return float(self.labels[self.order[:ranked]].sum()) / self.relevant


def simulate_cal(X: sparse.csr_matrix, labels: Sequence[bool], *, seed_docs: Sequence[int], random_state: int = 0,
                 stop_rule: str = "knee", max_reviewed: int | None = None, recall: float = 0.8,
                 confidence: float = 0.95) -> CALSimulation:
    """Review in CAL order from the seed documents until `max_reviewed` (default: the stopping rule has
    fired and 95% of the responsive documents are found, or nothing is left).

    stop_rule: "knee", "target" (a random target set of target_size(recall, confidence) responsive
    documents, drawn first and counted as reviewed; stop when the ranking has found every one) or "none".
    """
    y = np.asarray(labels, dtype=bool)
    n, relevant = len(y), int(y.sum())
    cal = CAL(X, random_state=random_state)
    order = [int(i) for i in dict.fromkeys(seed_docs)]
    cal.code({i: y[i] for i in order})
    sim = CALSimulation(order=order, relevant=relevant, labels=y)
    targets: set[int] = set()
    if stop_rule == "target":
        rng = np.random.default_rng(random_state + 1)
        want = target_size(recall, confidence)
        for i in rng.permutation(n):
            sim.extra_cost += 1
            if y[i]:
                targets.add(int(i))
                if len(targets) == want:
                    break
    elif stop_rule not in ("knee", "none"):
        raise ValueError(f"unknown stop rule {stop_rule!r}: knee, target or none")
    limit = n if max_reviewed is None else min(n, max_reviewed)
    gains = list(np.cumsum(y[order]))
    enough = math.ceil(0.95 * relevant)

    def stopped() -> bool:
        if stop_rule == "knee":
            return knee_should_stop(gains)
        if stop_rule == "target":
            return targets <= set(order)
        return False

    while len(order) < limit:
        if max_reviewed is None and (sim.stopped_at is not None or stop_rule == "none") and gains[-1] >= enough:
            break
        batch = cal.next_batch()[: limit - len(order)]
        if not batch:
            break
        cal.code({i: y[i] for i in batch})
        order.extend(batch)
        for i in batch:
            gains.append(gains[-1] + int(y[i]))
        sim.rounds += 1
        if sim.stopped_at is None and stopped():
            sim.stopped_at = len(order) + sim.extra_cost
    return sim
