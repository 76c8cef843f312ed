"""QA samples: which first-pass decisions the attorneys check, drawn so anyone can draw them again.

An acceptance sample is stratified: each batch is sampled for its own verdict (its size from
the protocol's plan, over the batch's population), and within a batch the sample is allotted
to each reviewer's decisions in proportion, every reviewer at least one, so overturn rates
per reviewer and per batch both rest on random draws. Each stratum has its own seed, derived
from the sample's seed and the stratum's name: a stratum is reproducible on its own.

The census (every privilege call when the protocol asks for 100% privilege QA) is checked in
addition and kept out of the estimates: putting certainties into a random sample would bias it.
"""

from __future__ import annotations

import hashlib
import random
import zlib
from collections.abc import Iterable, Mapping

from lpo.matter import QAConfig
from lpo.models import QAStratum, ReviewDecision
from lpo.qa.stats import accept_on_zero, sample_size


def draw_sample(population: Iterable[str], size: int, seed: int) -> list[str]:
    """A simple random sample; the same population, size and seed give the same sample."""
    pop = sorted(population)
    return sorted(random.Random(seed).sample(pop, min(size, len(pop))))


def population_hash(population: Iterable[str]) -> str:
    """SHA-256 of the sorted control numbers, one per line: what a reproduction must start from."""
    return hashlib.sha256("".join(f"{cn}\n" for cn in sorted(population)).encode("utf-8")).hexdigest()


def stratum_seed(seed: int, *names: str) -> int:
    return zlib.crc32(":".join([str(seed), *names]).encode("utf-8"))


def allocate(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """`total` split over strata in proportion to their sizes (largest remainder), each non-empty
    stratum at least one when there is room, none more than its size."""
    keys = [k for k in sorted(sizes) if sizes[k] > 0]
    pop = sum(sizes[k] for k in keys)
    total = min(total, pop)
    if not keys or total <= 0:
        return {k: 0 for k in sizes}
    floor = 1 if total >= len(keys) else 0
    out = {k: max(floor, total * sizes[k] // pop) for k in keys}
    rema = sorted(keys, key=lambda k: (-(total * sizes[k] % pop), k))
    while sum(out.values()) < total:
        for k in rema:
            if out[k] < sizes[k] and sum(out.values()) < total:
                out[k] += 1
    while sum(out.values()) > total:  # the floor of one overshot: take back from the largest
        k = max(keys, key=lambda k: (out[k], k))
        out[k] -= 1
    return {**{k: 0 for k in sizes}, **out}


def batch_sample_size(qa: QAConfig, population: int) -> int:
    if qa.plan == "accept_on_zero":
        return accept_on_zero(qa.confidence, qa.threshold, population)
    return sample_size(qa.confidence, qa.margin, population)


def stratified_sample(decisions_by_batch: Mapping[str, list[ReviewDecision]], qa: QAConfig,
                      seed: int) -> tuple[list[QAStratum], list[str]]:
    """The acceptance sample of some batches: (strata, census).

    `decisions_by_batch`: the current first-pass decision of every document of each batch.
    """
    strata: list[QAStratum] = []
    drawn: set[str] = set()
    for batch in sorted(decisions_by_batch):
        decs = decisions_by_batch[batch]
        by_reviewer: dict[str, list[str]] = {}
        for d in decs:
            by_reviewer.setdefault(d.reviewer, []).append(d.control_number)
        n = batch_sample_size(qa, len(decs))
        sizes = allocate({r: len(cns) for r, cns in by_reviewer.items()}, n)
        for reviewer in sorted(by_reviewer):
            s = stratum_seed(seed, batch, reviewer)
            chosen = draw_sample(by_reviewer[reviewer], sizes[reviewer], s)
            drawn.update(chosen)
            strata.append(QAStratum(batch=batch, reviewer=reviewer, population=len(by_reviewer[reviewer]),
                                    size=len(chosen), seed=s, control_numbers=chosen))
    census: list[str] = []
    if qa.all_privileged:
        census = sorted(d.control_number for decs in decisions_by_batch.values() for d in decs
                        if d.privilege.value != "not_privileged" and d.control_number not in drawn)
    return strata, census
