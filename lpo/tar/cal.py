"""Continuous active learning (CAL) with the AutoTAR schedule (Cormack & Grossman, 2015).

Each round: train a logistic regression on every coding so far, plus a fresh random handful
of unreviewed documents presumed not responsive (cheap negatives while few are coded: in a
collection of low richness almost all are); score every unreviewed document; review the top
`batch` of them; grow the batch by a tenth (at least one) for the next round. The seed is a
few coded documents, or a short query scored as a synthetic document.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

PRESUMED_NEGATIVES = 100


def next_batch_size(size: int) -> int:
    """AutoTAR: 1, 2, 3, ..., 10, 11, 13, 15, 17, ... (+ ceil(size / 10) each round)."""
    return size + math.ceil(size / 10)


@dataclass
class CAL:
    """The ranking state of one review: coded documents (row index -> responsive) and the schedule."""

    X: sparse.csr_matrix
    random_state: int = 0
    batch: int = 1
    query: sparse.csr_matrix | None = None          # a synthetic seed document (featurized query), responsive
    presumed_negatives: int = PRESUMED_NEGATIVES
    C: float = 1.0
    coded: dict[int, bool] = field(default_factory=dict)
    rounds: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.random_state)

    def code(self, labels: Mapping[int, bool] | Iterable[tuple[int, bool]]) -> None:
        items = labels.items() if isinstance(labels, Mapping) else labels
        for i, y in items:
            self.coded[int(i)] = bool(y)

    def model(self) -> tuple[np.ndarray, float]:
        """Weights (one per feature column) and intercept of a logistic regression trained on the coding
        so far, the query and presumed negatives (AutoTAR's recipe)."""
        idx = np.fromiter(self.coded, dtype=np.int64, count=len(self.coded))
        y = np.fromiter(self.coded.values(), dtype=bool, count=len(self.coded))
        rows = [self.X[idx]] if len(idx) else []
        labels = [y]
        uncoded = self._uncoded_mask()
        pool = np.flatnonzero(uncoded)
        k = min(self.presumed_negatives, len(pool))
        if k:
            neg = self.rng.choice(pool, size=k, replace=False)
            rows.append(self.X[neg])
            labels.append(np.zeros(k, dtype=bool))
        if self.query is not None:
            rows.append(self.query)
            labels.append(np.ones(self.query.shape[0], dtype=bool))
        Xt = sparse.vstack(rows).tocsr()
        yt = np.concatenate(labels)
        if yt.all() or not yt.any():
            raise ValueError("CAL needs at least one responsive and one not-responsive example to train: "
                             "code a responsive document or give a seed query")
        # Fit on the columns the training rows use: a solver iterating over 2^20 weights where a few
        # thousand are non-zero spends its time on zeros. Unused columns keep weight 0 either way.
        cols = np.unique(Xt.indices)
        # liblinear shuffles with a random state: a fixed one makes every run replayable.
        m = LogisticRegression(C=self.C, class_weight="balanced", solver="liblinear", max_iter=200,
                               random_state=self.random_state)
        m.fit(Xt[:, cols], yt)
        coef = np.zeros(self.X.shape[1], dtype=np.float32)
        coef[cols] = m.coef_.ravel()
        return coef, float(m.intercept_[0])

    def _uncoded_mask(self) -> np.ndarray:
        mask = np.ones(self.X.shape[0], dtype=bool)
        if self.coded:
            mask[np.fromiter(self.coded, dtype=np.int64, count=len(self.coded))] = False
        return mask

    def scores(self) -> np.ndarray:
        """A score for every document (coded ones included); higher means more likely responsive."""
        coef, intercept = self.model()
        return np.asarray(self.X @ coef).ravel() + intercept

    def ranking(self) -> np.ndarray:
        """Uncoded document indices, most likely responsive first (ties by index: reproducible)."""
        s = self.scores()
        uncoded = np.flatnonzero(self._uncoded_mask())
        order = np.lexsort((uncoded, -s[uncoded]))
        return uncoded[order]

    def next_batch(self) -> list[int]:
        """The top of the ranking, `batch` documents; the schedule then grows the batch."""
        top = self.ranking()[: self.batch]
        self.rounds += 1
        self.batch = next_batch_size(self.batch)
        return [int(i) for i in top]
