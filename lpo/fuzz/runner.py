"""Run hostile inputs through ingest's worker pool and count what became of each.

Inputs go the way a collection's files do: written to a folder and parsed by
lpo.ingest.worker.WorkerPool under per-file time and memory limits. Each input must come
back as a document or as a processing exception with a reason. The outcome of an input:

- document: read (its members may still be exceptions);
- exception: a reason from the parser (corrupt, truncated, encrypted, container_bomb, ...);
  `parser_errors` counts, by exception type, those that are a parser's own Python error
  caught by the manager's catch-all and filed as 'corrupt': handled, but a bug to look at;
- hang / out_of_memory: stopped by the limits (handled; reported);
- native crash: the worker died of a signal in a C library (handled by the pool; reported);
- crash: not handled. A file with no result, or a result for another file, a node that
  does not validate, a Python exception that escaped extract_file (the worker's 'crashed'
  with an exception's name), or the pool itself failing. Goal: 0.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path

from lpo.ingest.base import DEFAULT_CONTEXT, IngestContext
from lpo.ingest.manager import ExtractionNode
from lpo.ingest.worker import Limits, WorkerPool

CATCH_ALL = re.compile(r"parser failed on it \(([A-Za-z_][\w.]*)")
ESCAPED = re.compile(r"^[^:]*: ([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b[^;]*)")
NATIVE = "the parser crashed ("
# Inputs kept to look at (with crashes and parser errors): Hypothesis draws the same inputs for a seed
# only under the same imports, so the bytes themselves are what reproduces a finding.
KEEP_REASONS = ("timeout", "out_of_memory", "crashed")


@dataclass
class FamilyReport:
    family: str
    inputs: int = 0
    documents: int = 0
    exceptions: Counter = field(default_factory=Counter)  # reason -> count, files that were not read
    member_exceptions: Counter = field(default_factory=Counter)  # reason -> count, members of read files
    parser_errors: Counter = field(default_factory=Counter)  # Python exception type -> count (catch-all)
    hangs: int = 0
    out_of_memory: int = 0
    native_crashes: int = 0
    crashes: int = 0
    crash_samples: list[str] = field(default_factory=list)  # what each crash was, for the report
    samples: dict[str, str] = field(default_factory=dict)  # reason or error type -> the first detail seen
    peak_rss: int = 0  # bytes, the largest worker
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.inputs / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict would mangle the Counters
        for k in ("exceptions", "member_exceptions", "parser_errors"):
            d[k] = dict(sorted(d[k].items()))
        d["per_second"] = round(self.per_second, 1)
        d["seconds"] = round(self.seconds, 1)
        return d


def _walk(node: ExtractionNode):
    yield node
    for c in node.children:
        yield from _walk(c)


def classify(report: FamilyReport, node: ExtractionNode) -> None:
    """Count one input's outcome from its extraction node."""
    for n in _walk(node):
        if n.error_reason == "corrupt" and (m := CATCH_ALL.search(n.error_detail or "")):
            report.parser_errors[m.group(1)] += 1
            report.samples.setdefault(m.group(1), (n.error_detail or "")[:300])
    reason = node.error_reason
    if reason is None or node.text_sha256 is not None:
        report.documents += 1
        for n in list(_walk(node))[1:]:
            if n.error_reason:
                report.member_exceptions[n.error_reason] += 1
        return
    report.exceptions[reason] += 1
    detail = node.error_detail or ""
    report.samples.setdefault(reason, detail[:300])
    if reason == "timeout":
        report.hangs += 1
    elif reason == "out_of_memory":
        report.out_of_memory += 1
    elif reason == "crashed":
        if NATIVE in detail:
            report.native_crashes += 1
        else:  # a Python exception that escaped extract_file: nothing turned it into a reason
            report.crashes += 1
            report.crash_samples.append(detail[:300])


def submit_batch(pool: WorkerPool, root: Path, inputs: list[tuple[str, bytes]], first: int
                 ) -> tuple[list[str], list]:
    """Write a batch of inputs to `root` and hand them to the pool; their paths and futures."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (name, data) in enumerate(inputs):
        safe = re.sub(r"[^\w.-]", "_", name) or "noname"
        rel = f"{first + i:06d}-{safe}"
        (root / rel).write_bytes(data)
        paths.append(rel)
    return paths, pool.submit_many(root, paths)  # as ingest does: legacy Office files converted in batches


def collect_batch(pool: WorkerPool, root: Path, paths: list[str], futures: list, report: FamilyReport,
                  keep: Path | None = None) -> None:
    """Wait for a submitted batch and count every input's outcome."""
    report.inputs += len(paths)
    bad = []
    for rel, future in zip(paths, futures):
        try:
            r = pool.result(future, root, rel)
            if r.path != rel:
                raise ValueError(f"the result for {rel} is for {r.path}")
            node = r.node(pool.content)
        except Exception as e:  # noqa: BLE001  unaccounted for: the pool failed or gave no usable result
            report.crashes += 1
            report.crash_samples.append(f"{rel}: {type(e).__name__}: {e}"[:300])
            bad.append(rel)
            continue
        before = report.crashes, sum(report.parser_errors.values())
        classify(report, node)
        if (report.crashes, sum(report.parser_errors.values())) != before or node.error_reason in KEEP_REASONS:
            bad.append(rel)
    _keep(keep, root, bad)
    for rel in paths:
        (root / rel).unlink(missing_ok=True)


def _keep(keep: Path | None, root: Path, paths: list[str]) -> None:
    """Copy crashing, hanging, memory-hungry and parser-error inputs aside to reproduce them."""
    if keep is None or not paths:
        return
    keep.mkdir(parents=True, exist_ok=True)
    for rel in paths:
        if (root / rel).exists():
            shutil.copyfile(root / rel, keep / rel)


def run_family(family: str, count: int, seed: int = 0, limits: Limits | None = None,
               workers: int | None = None, batch: int = 250, keep: Path | None = None,
               ctx: IngestContext = DEFAULT_CONTEXT, on_batch=None,
               pool: WorkerPool | None = None) -> FamilyReport:
    """Fuzz one parser family with `count` inputs; `on_batch(report)` after each batch (progress).
    Generation of the next batch overlaps the workers' parsing of the current one. `pool`: one to
    use (and leave open) instead of starting one with the family's limits."""
    from lpo.fuzz.mutate import generate

    limits = limits or family_limits(family)
    report = FamilyReport(family)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"lpo-fuzz-{family}-") as tmp:
        root, content = Path(tmp) / "in", Path(tmp) / "content"
        own = pool is None
        pool = pool or WorkerPool(content, ctx, limits, workers)
        pending = None
        try:
            for i, inputs in enumerate(generate(family, count, seed, batch)):
                if pending:  # the next batch was generated while the workers parsed this one
                    collect_batch(pool, root, *pending, report, keep)
                    if on_batch:
                        on_batch(report)
                if own and i % 8 == 7:  # nothing in flight: the family's content store is thrown away anyway
                    shutil.rmtree(content, ignore_errors=True)
                pending = submit_batch(pool, root, inputs, report.inputs)
            if pending:
                collect_batch(pool, root, *pending, report, keep)
                if on_batch:
                    on_batch(report)
        finally:
            if own:
                pool.close()
            report.peak_rss = pool.peak_worker_rss
    report.seconds = time.monotonic() - start
    return report


FUZZ_LIMITS = Limits(timeout_seconds=5, memory_mb=512)
# LibreOffice needs more address space than a Python parser, and seconds to start for each file.
LEGACY_LIMITS = Limits(timeout_seconds=60, memory_mb=2048)


def family_limits(family: str) -> Limits:
    return LEGACY_LIMITS if family == "legacy" else FUZZ_LIMITS

