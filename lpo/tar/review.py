"""Prioritised review of a matter: rank what is not yet routed, route the next round, say when to stop.

- Features: hashed word counts of every routable document, kept in the matter (`tar/`), so a
  retrain after each collect only featurizes documents that arrived since; tf-idf is weighed
  from the counts at ranking time (an O(non-zeros) step).
- Rank: CAL (lpo.tar.cal) trained on every first-pass and QA call so far (the final coding),
  seeded by `tar.seed_query` until a responsive document is coded. The random share is kept out
  of training, so it stays an independent target set.
- Route: round k holds `first_round` documents grown by a tenth each round (AutoTAR), whole
  families, threads and near-duplicate groups from the top of the ranking, plus the random share.
  Each round is an audit event: size, the random documents, what the model was trained on.
- Stop: the knee of the gain curve of the ranked review (random share left out), or, with a
  random share, the target method: every responsive random document would have been reached by
  the ranking, which shows recall >= target_recall at the confidence once the target set is full.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from lpo.models import Document, Stage
from lpo.review.batching import routable
from lpo.tar import features
from lpo.tar.cal import CAL, next_batch_size
from lpo.tar.stopping import knee_ratio, knee_should_stop, target_size
from lpo.workspace import Workspace

TAR_DIR = "tar"
ROUND = "tar-round"


class FeatureCache:
    """Hashed counts of the matter's routable documents, one row a document, extended as they arrive."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.dir = Path(ws.dir) / TAR_DIR

    def _paths(self) -> tuple[Path, Path]:
        return self.dir / "counts.npz", self.dir / "rows.json"

    def load(self) -> tuple[list[str], sparse.csr_matrix | None]:
        m, r = self._paths()
        if not m.exists() or not r.exists():
            return [], None
        rows = json.loads(r.read_text(encoding="utf-8"))
        mat = sparse.load_npz(m).tocsr()
        if mat.shape[0] != len(rows):  # a write cut short: start again rather than misalign rows
            return [], None
        return rows, mat

    def update(self, docs: list[Document] | None = None) -> tuple[list[str], sparse.csr_matrix]:
        """Rows for every routable document; `docs`: the matter's documents when the caller has them."""
        rows, mat = self.load()
        known = set(rows)
        docs = self.ws.store.documents() if docs is None else docs
        new = [d for d in docs if routable(d) and d.control_number not in known]
        if new or mat is None:
            add = features.counts([self.ws.text(d.text_sha256) for d in new])
            mat = add if mat is None else sparse.vstack([mat, add]).tocsr()
            rows = rows + [d.control_number for d in new]
            self.dir.mkdir(parents=True, exist_ok=True)
            m, r = self._paths()
            tmp_m, tmp_r = m.with_suffix(".tmp.npz"), r.with_suffix(".tmp")
            sparse.save_npz(tmp_m, mat, compressed=False)  # loaded at every retrain: speed over size
            tmp_r.write_text(json.dumps(rows), encoding="utf-8")
            tmp_m.replace(m)  # rows last: a reader sees the old pair or a mismatch it discards
            tmp_r.replace(r)
        return rows, mat


@dataclass
class Ranking:
    scores: dict[str, float]
    responsive: int            # training examples coded responsive (seed query included)
    not_responsive: int
    seeded_by_query: bool


def random_share(ws: Workspace) -> set[str]:
    """Documents routed as the random share of a round (the target set is drawn from them)."""
    return {cn for ev in ws.store.audit_events() if ev.action == ROUND for cn in ev.detail.get("random", [])}


def rank(ws: Workspace, docs: list[Document] | None = None) -> Ranking | None:
    """Scores of every routable document, or None when there is nothing to learn from yet (no responsive
    document coded and no seed query)."""
    rows, counts = FeatureCache(ws).update(docs)
    if not rows:
        return None
    weigher = features.weigher(counts)
    X = weigher.transform(counts).astype(np.float32).tocsr()
    index = {cn: i for i, cn in enumerate(rows)}
    held_out = random_share(ws)
    labels = {index[cn]: bool(d.responsive) for cn, d in ws.store.final_decisions().items()
              if cn in index and d.responsive is not None and cn not in held_out}
    tar = ws.matter.tar
    cal = CAL(X, random_state=tar.seed + len(labels))
    cal.code(labels)
    if tar.seed_query:
        cal.query = weigher.transform(features.counts([tar.seed_query])).astype(np.float32).tocsr()
    pos = sum(labels.values()) + (1 if tar.seed_query else 0)
    if not pos:
        return None
    try:
        s = cal.scores()
    except ValueError:  # nothing coded not responsive and nothing left to presume so
        return None
    return Ranking({cn: float(s[i]) for i, cn in enumerate(rows)}, pos, len(labels) - sum(labels.values()),
                   bool(tar.seed_query))


def rounds(ws: Workspace) -> list[dict]:
    return [{**ev.detail, "at": ev.at.isoformat()} for ev in ws.store.audit_events() if ev.action == ROUND]


def round_size(ws: Workspace, k: int) -> int:
    """Documents in round k (1-based): the first round, grown by a tenth each round after."""
    size = ws.matter.tar.first_round or ws.matter.batch_size
    for _ in range(k - 1):
        size = next_batch_size(size)
    return size


def route_round(ws: Workspace, sites=None) -> dict:  # noqa: ANN001 - lpo.review.workflow.Sites
    """Rank, then plan and send the next round; an unsent round from an interrupted run is sent first."""
    from lpo.review.workflow import plan_first_pass, send_pending

    pending = [b for b in ws.store.batches(Stage.first_pass) if b.routed_at is None]
    if pending:
        r = send_pending(ws, Stage.first_pass, sites)
        return {"round": len(rounds(ws)), "planned": 0, "sent": r.documents, "random": 0, "resumed": True}
    k = len(rounds(ws)) + 1
    size = round_size(ws, k)
    batched = ws.store.batched(Stage.first_pass)
    docs = ws.store.documents()
    left = sorted(d.control_number for d in docs if routable(d) and d.control_number not in batched)
    if not left:
        return {"round": k - 1, "planned": 0, "sent": 0, "random": 0, "resumed": False}
    ranking = rank(ws, docs)
    tar = ws.matter.tar
    m = min(len(left), round(size * tar.random_share))
    rng = np.random.default_rng(tar.seed + k)
    randoms = sorted(rng.choice(left, size=m, replace=False).tolist()) if m else []
    detail = {"round": k, "size": size, "random": randoms, "unrouted": len(left),
              "ranked_by": "CAL (logistic regression over hashed tf-idf)" if ranking else "custodian, date (nothing "
              "to learn from yet: code a responsive document or set tar.seed_query)",
              "trained_on": {"responsive": ranking.responsive, "not_responsive": ranking.not_responsive,
                             "seed_query": ranking.seeded_by_query} if ranking else None}
    with ws.store.transaction():
        planned = plan_first_pass(ws, ranking.scores if ranking else None, limit=size, include=randoms,
                                  audit={"tar_round": k})
        detail["batches"] = [b.name for b in planned]
        detail["documents"] = sum(len(b.control_numbers) for b in planned)
        ws.store.audit("lpo", ROUND, f"round {k}", detail)
    r = send_pending(ws, Stage.first_pass, sites)
    return {"round": k, "planned": detail["documents"], "sent": r.documents, "random": len(randoms),
            "batches": detail["batches"], "ranked": ranking is not None, "resumed": False}


def status(ws: Workspace) -> dict:
    """Where prioritised review stands: reviewed, found, the knee, the target set, whether to stop."""
    tar = ws.matter.tar
    held_out = random_share(ws)
    first = sorted(ws.store.decisions(Stage.first_pass), key=lambda d: (d.decided_at, d.id or 0))
    final = ws.store.final_decisions()
    seen: set[str] = set()
    gains: list[int] = []
    for d in first:
        if d.control_number in seen or d.control_number in held_out:
            continue
        seen.add(d.control_number)
        gains.append((gains[-1] if gains else 0) + int(bool(final[d.control_number].responsive)))
    k = target_size(tar.target_recall, tar.confidence)
    targets = sorted(cn for cn in held_out if cn in final and final[cn].responsive)
    docs = ws.store.documents()
    reached = _targets_reached(ws, targets, seen, docs) if targets else []
    knee_stop = knee_should_stop(gains)
    target_stop = len(targets) >= k and len(reached) == len(targets)
    routable_docs = sum(1 for d in docs if routable(d))
    return {
        "enabled": tar.enabled, "rounds": len(rounds(ws)), "routable": routable_docs,
        "reviewed": len(seen) + len([cn for cn in held_out if cn in final]), "ranked_reviewed": len(seen),
        "found": gains[-1] if gains else 0, "knee_ratio": knee_ratio(gains), "knee_stop": knee_stop,
        "target_size": k, "targets": len(targets), "targets_reached": len(reached), "target_stop": target_stop,
        "target_recall": tar.target_recall, "confidence": tar.confidence, "stop_rule": tar.stop_rule,
        "stop": knee_stop if tar.stop_rule == "knee" else target_stop,
        "estimate": recall_estimate(ws, final),
    }


def recall_estimate(ws: Workspace, final: dict) -> dict | None:
    """Recall from the latest fully coded random share: round k's random documents are a simple random
    sample of the U_k documents not yet routed then, so the responsive left in U_k is estimated as
    p_k |U_k| (Wilson, finite-population corrected) and recall = found / (found before round k + p_k |U_k|)."""
    from lpo.qa.stats import wilson

    done = rounds(ws)
    for r in reversed(done):
        rand = r.get("random") or []
        if not rand or any(cn not in final or final[cn].responsive is None for cn in rand):
            continue
        k = sum(bool(final[cn].responsive) for cn in rand)
        i = wilson(k, len(rand), ws.matter.tar.confidence, max(r["unrouted"], len(rand)))
        before = {cn for b in ws.store.batches(Stage.first_pass) for cn in b.control_numbers
                  if b.name in {n for e in done if e["round"] < r["round"] for n in e.get("batches", [])}}
        found_before = sum(1 for cn in before if cn in final and final[cn].responsive)
        found = sum(1 for d in final.values() if d.responsive)
        left = r["unrouted"]

        def recall(p: float) -> float:
            total = found_before + p * left
            return min(1.0, found / total) if total > 0 else 1.0
        return {"round": r["round"], "sample": len(rand), "responsive_in_sample": k, "unrouted": left,
                "found": found, "recall": recall(i.rate), "lower": recall(i.upper), "upper": recall(i.lower),
                "confidence": i.confidence}
    return None


def _targets_reached(ws: Workspace, targets: list[str], ranked_reviewed: set[str],
                     docs: list[Document]) -> list[str]:
    """Targets the ranking reaches: scored at least as high as the lowest-scored document it routed."""
    ranking = rank(ws, docs)
    if ranking is None or not ranked_reviewed:
        return []
    floor = min(ranking.scores[cn] for cn in ranked_reviewed if cn in ranking.scores)
    return [cn for cn in targets if ranking.scores.get(cn, -np.inf) >= floor]
