"""Every ingest parser family fuzzed with hostile inputs at CI size (lpo.fuzz), through the worker pool.

The full size (10,000 inputs a family) is bench/fuzz.py. Here: PER_FAMILY inputs a family
(LPO_FUZZ_PER_FAMILY to change it), the same inputs every run (seed 0). An input must become a
document or an exception with a reason; a crash (no result, an exception escaping the
extraction, the pool failing) fails the test with the input kept in the test's folder.

The parsers planted below are registered for extensions no real file uses; the workers
import this module (WorkerPool's `preload`) so they are there too.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys

import pytest

from lpo.fuzz.mutate import generate
from lpo.fuzz.runner import (
    FUZZ_LIMITS,
    FamilyReport,
    collect_batch,
    family_limits,
    run_family,
    submit_batch,
)
from lpo.fuzz.seeds import FAMILIES
from lpo.ingest.base import Extracted, Ingestor, register
from lpo.ingest.worker import WorkerPool

HERE = "tests.test_fuzz_parsers"
PER_FAMILY = int(os.environ.get("LPO_FUZZ_PER_FAMILY", "200"))
# legacy: LibreOffice converts in batches, but each file it cannot load again alone (about a second).
CI_COUNTS = {"legacy": 40}


# ---- parsers that fail the ways the harness must tell apart --------------------------------------

@register
class EscapingParser(Ingestor):
    name, mime_types, extensions = "fuzz-escape", ("application/x-test",), ("lpofuzzescape",)

    def extract(self, data, name, ctx=None):
        sys.exit(2)  # not an Exception: escapes the manager's catch-all, as a real bug could


@register
class BuggyParser(Ingestor):
    name, mime_types, extensions = "fuzz-buggy", ("application/x-test",), ("lpofuzzbuggy",)

    def extract(self, data, name, ctx=None):
        return {}["missing"]  # a parser bug the manager files as 'corrupt'


@register
class NativeCrashParser(Ingestor):
    name, mime_types, extensions = "fuzz-segv", ("application/x-test",), ("lpofuzzsegv",)

    def extract(self, data, name, ctx=None):
        ctypes.string_at(0)  # a C library reading through a null pointer


@register
class HealthyParser(Ingestor):
    name, mime_types, extensions = "fuzz-ok", ("application/x-test",), ("lpofuzzok",)

    def extract(self, data, name, ctx=None):
        return Extracted(text=data.decode("latin-1"))


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = WorkerPool(tmp_path_factory.mktemp("fuzz-content"), limits=FUZZ_LIMITS, workers=2, preload=(HERE,))
    yield p
    p.close()


def test_harness_tells_crashes_from_handled_failures(pool, tmp_path):
    """A harness that never reports a crash proves nothing: planted failures must be counted right."""
    report = FamilyReport("planted")
    inputs = [("a.lpofuzzok", b"fine"), ("b.lpofuzzescape", b"x"), ("c.lpofuzzbuggy", b"x"),
              ("d.lpofuzzsegv", b"x"), ("e.lpofuzzok", b"fine again"), ("f.txt", b"")]
    paths, futures = submit_batch(pool, tmp_path / "in", inputs, 0)
    collect_batch(pool, tmp_path / "in", paths, futures, report, keep=tmp_path / "keep")
    assert report.inputs == 6 and report.documents == 2
    assert report.crashes == 1 and "SystemExit" in report.crash_samples[0]
    assert report.parser_errors == {"KeyError": 1}
    assert report.native_crashes == 1
    assert report.exceptions == {"crashed": 2, "corrupt": 1, "empty": 1}
    # The crashing, parser-error and natively crashing inputs are kept to reproduce; the others are not.
    assert sorted(p.name for p in (tmp_path / "keep").iterdir()) == [
        "000001-b.lpofuzzescape", "000002-c.lpofuzzbuggy", "000003-d.lpofuzzsegv"]
    assert not list((tmp_path / "in").iterdir())


def test_inputs_are_the_same_for_a_seed_and_differ_across_seeds():
    def digest(seed: int) -> str:
        h = hashlib.sha256()
        for batch in generate("rtf", 60, seed, batch=30):
            for name, data in batch:
                h.update(name.encode() + b"\0" + data)
        return h.hexdigest()

    assert digest(3) == digest(3)
    assert digest(3) != digest(4)
    inputs = [x for b in generate("zip", 80, 0, batch=40) for x in b]
    assert len(inputs) == 80 and len({hashlib.sha1(d).digest() for _, d in inputs}) > 60
    seeds = {d for _, d in FAMILIES["zip"]()}
    assert sum(d in seeds for _, d in inputs) < 8  # mutated, not the seeds again


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_survives_hostile_inputs(family, pool, tmp_path):
    count = CI_COUNTS.get(family, PER_FAMILY)
    shared = pool if family_limits(family) == FUZZ_LIMITS else None  # legacy gets LibreOffice's limits
    r = run_family(family, count, seed=0, pool=shared, keep=tmp_path / "kept", batch=count)
    print(f"\n{family}: {r.as_dict()}")
    assert r.inputs == count
    assert r.crashes == 0, f"{family}: crashes {r.crash_samples}; inputs kept in {tmp_path / 'kept'}"
    # Every input accounted for: read, or an exception with a reason.
    assert r.documents + sum(r.exceptions.values()) == count
    assert all(reason for reason in r.exceptions)
    if count >= 50:  # the mutations reach past the parsers' first checks, and also break them
        assert r.documents > 0 and sum(r.exceptions.values()) > 0
