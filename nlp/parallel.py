"""Pre-tagging over several processes: chunks of whole documents to a pool of workers.

Each worker builds its own :class:`~nlp.pipeline.Pretagger` once (from the same
protocol and settings) and tags chunks of ``(control_number, text)`` with it;
the parent keeps the order of the input. Workers are *spawned*, not forked: the
parent may be a Prefect worker with threads running, where fork can deadlock,
and a spawned child imports nlp/ itself, so the lpo components are registered
there by name like in the parent. Measured against ``nlp.pipe(n_process=2)`` by
bench/nlp_speed.py: sending texts out and PreTags back moves less data than
spaCy's own multiprocessing, which sends every Doc back.

At most ``2 * n_process`` chunks are in flight, so a large matter is streamed,
not read into memory.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

Result = tuple[str, list, float, list[str]]

_WORKER: Any = None


def _init(kwargs: dict[str, Any], settings: dict[str, Any]) -> None:
    global _WORKER
    from nlp.pipeline import Pretagger  # registers the lpo components in this process

    _WORKER = Pretagger(**kwargs, n_process=1)
    for name, value in settings.items():
        setattr(_WORKER, name, value)


def _tag(chunk: list[tuple[str, str]]) -> tuple[list[Result], float]:
    cpu = time.process_time()
    return list(_WORKER.tag(chunk)), time.process_time() - cpu


def _ping() -> str:
    return _WORKER.version


class PretagPool:
    """A pool of ``n_process`` spawned workers, each with its own Pretagger."""

    def __init__(self, n_process: int, kwargs: dict[str, Any], settings: dict[str, Any]):
        self.n_process = n_process
        self.cpu_seconds = 0.0  # spent by the workers tagging (not starting up): for benchmarks
        self.executor = ProcessPoolExecutor(n_process, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_init, initargs=(kwargs, settings))

    def warm_up(self) -> list[str]:
        """Start every worker now (loading the pipeline takes a second or two); their versions."""
        return [f.result() for f in [self.executor.submit(_ping) for _ in range(self.n_process)]]

    def tag(self, chunks: Iterable[list[tuple[str, str]]]) -> Iterator[Result]:
        inflight: deque[Future[tuple[list[Result], float]]] = deque()
        for chunk in chunks:
            inflight.append(self.executor.submit(_tag, chunk))
            if len(inflight) >= 2 * self.n_process:
                yield from self._done(inflight.popleft())
        while inflight:
            yield from self._done(inflight.popleft())

    def _done(self, future: Future[tuple[list[Result], float]]) -> list[Result]:
        results, cpu = future.result()
        self.cpu_seconds += cpu
        return results

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
