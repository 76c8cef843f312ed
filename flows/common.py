"""Shared task options and chunking."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from prefect.cache_policies import NO_CACHE

T = TypeVar("T")

# Idempotence lives in the store (upserts keyed by path, annotation, batch name), not in
# Prefect's cache: no task result is ever written to disk.
TASK_OPTS = dict(cache_policy=NO_CACHE, persist_result=False, retries=1, retry_delay_seconds=2)


def chunks(items: Sequence[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(items), size):
        yield list(items[i:i + size])
