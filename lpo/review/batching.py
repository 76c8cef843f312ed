"""Batching for first-pass review: which documents go together, to which pool, in what order.

A review unit is what must never be split across batches: a family, joined with every
email of its thread and every near-duplicate of its members (so one reviewer codes
them together and consistently). Exact duplicates are not routed: they take the
coding of the copy that is (see `propagated_decisions`). Units are packed whole into
fixed-size batches per pool; a unit larger than a batch becomes a batch of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from lpo.matter import Matter, RoutingRule
from lpo.models import Document, ReviewDecision

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class Unit:
    documents: list[Document]
    pool: str = ""
    priority: float | None = None

    @property
    def control_numbers(self) -> list[str]:
        return [d.control_number for d in self.documents]


@dataclass(frozen=True)
class PlannedBatch:
    pool: str
    control_numbers: list[str]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def doc_date(d: Document) -> datetime:
    when = (d.email.sent if d.email and d.email.sent else None) or d.created or d.modified or EPOCH
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def routable(d: Document) -> bool:
    """A document a reviewer must code: not an exact duplicate, not culled, with text to show."""
    return not d.duplicate_of and not d.filtered and d.text_sha256 is not None


def review_units(docs: Iterable[Document]) -> list[Unit]:
    """Group documents into units: families joined by thread and near-duplicate group."""
    docs = list(docs)
    uf = _UnionFind()
    first_of: dict[tuple[str, str], str] = {}
    for d in docs:
        uf.find(d.control_number)
        for key in (("family", d.family_id), ("thread", d.thread_id), ("neardup", d.near_duplicate_group)):
            if key[1] is None:
                continue
            seen = first_of.setdefault(key, d.control_number)
            uf.union(seen, d.control_number)
    groups: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        groups[uf.find(d.control_number)].append(d)
    # Within a unit: families in date order, parent before its attachments (control-number order).
    return [Unit(sorted(g, key=lambda d: (doc_date(d), d.family_id, d.control_number))) for g in groups.values()]


def _matches(rule: RoutingRule, d: Document, privilege: Mapping[str, float]) -> bool:
    if rule.languages and (d.language or "") not in rule.languages:
        return False
    if rule.custodians and d.custodian not in rule.custodians:
        return False
    if rule.privilege_score_at_least is not None and privilege.get(d.control_number, 0.0) < \
            rule.privilege_score_at_least:
        return False
    return True


def pool_of(unit: Unit, matter: Matter, privilege: Mapping[str, float]) -> str:
    """The first routing rule that any member matches decides; else the default first-pass pool."""
    for rule in matter.routing:
        if any(_matches(rule, d, privilege) for d in unit.documents):
            return rule.pool
    return matter.site("first_pass").pool_name


def plan(docs: Iterable[Document], matter: Matter, *, privilege: Mapping[str, float] | None = None,
         ranking: Mapping[str, float] | None = None, limit: int | None = None,
         include: Collection[str] = ()) -> list[PlannedBatch]:
    """Routable documents in batches of about matter.batch_size per pool, units never split.

    Order: by `ranking` (higher first: the [Prioritised review] model's scores) when given,
    else by custodian then date; ties by control number, so a plan is reproducible.
    `limit`: only the first units in that order, until they hold `limit` documents (a round of
    prioritised review); the units holding an `include` document come too (its random share).
    """
    privilege = privilege or {}
    units = review_units(d for d in docs if routable(d))
    for u in units:
        u.pool = pool_of(u, matter, privilege)
        if ranking is not None:
            u.priority = max((ranking.get(cn, 0.0) for cn in u.control_numbers), default=0.0)

    def key(u: Unit):  # noqa: ANN202
        first = u.documents[0]
        base = (first.custodian, doc_date(first), min(u.control_numbers))
        return ((-(u.priority or 0.0),) if ranking is not None else ()) + base

    if limit is not None:
        units = _first_units(sorted(units, key=key), limit, set(include))
    size = matter.batch_size
    out: list[PlannedBatch] = []
    for pool in sorted({u.pool for u in units}):
        current: list[str] = []
        for u in sorted((u for u in units if u.pool == pool), key=key):
            if current and len(current) + len(u.documents) > size:
                out.append(PlannedBatch(pool, current))
                current = []
            current.extend(u.control_numbers)
        if current:
            out.append(PlannedBatch(pool, current))
    return out


def _first_units(ordered: list[Unit], limit: int, include: set[str]) -> list[Unit]:
    taken = {i for i, u in enumerate(ordered) if include.intersection(u.control_numbers)}
    n = sum(len(ordered[i].documents) for i in taken)
    for i, u in enumerate(ordered):
        if n >= limit:
            break
        if i not in taken:
            taken.add(i)
            n += len(u.documents)
    return [ordered[i] for i in sorted(taken)]


def propagated_decisions(docs: Iterable[Document], decisions: Mapping[str, ReviewDecision]
                         ) -> dict[str, ReviewDecision]:
    """Exact duplicates take the coding of their master (coded once, propagated); the rest as given."""
    out = dict(decisions)
    for d in docs:
        if d.duplicate_of and d.control_number not in out and d.duplicate_of in decisions:
            out[d.control_number] = decisions[d.duplicate_of].model_copy(
                update={"control_number": d.control_number, "id": None,
                        "note": f"coding propagated from exact duplicate {d.duplicate_of}"})
    return out
