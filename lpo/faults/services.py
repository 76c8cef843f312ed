"""The servers a fault stops and starts again: each is a name and two calls.

A restart keeps the server's data (Label Studio's database, the PostgreSQL cluster, the
Elasticsearch node's folder) and its address, as a service manager restarting it would.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Service:
    name: str                   # labelstudio, postgresql, elasticsearch
    stop: Callable[[], None]
    start: Callable[[], None]

    def restart(self, down_seconds: float = 1.0) -> float:
        """Stop, stay down a moment, start; the seconds it was unreachable."""
        t0 = time.monotonic()
        self.stop()
        time.sleep(down_seconds)
        self.start()
        return time.monotonic() - t0


def labelstudio_service(server) -> Service:  # server: lpo.review.server.LabelStudioServer
    """Label Studio under gunicorn: SIGINT to its process group, then the same data directory and port."""
    return Service("labelstudio", server.stop, lambda: server.start())


def postgresql_service(pg_ctl: Path, data_dir: Path, options: str, log: Path,
                       as_user: Sequence[str] = ()) -> Service:
    """A PostgreSQL cluster through pg_ctl: a fast shutdown (open sessions are cut, as in a restart by the
    service manager), then the same data directory and options."""
    def run(*args: str) -> None:
        r = subprocess.run([*as_user, str(pg_ctl), "-D", str(data_dir), *args], capture_output=True, text=True,
                           check=False)
        if r.returncode != 0:
            raise RuntimeError(f"pg_ctl {' '.join(args)} on {data_dir} failed: {r.stderr.strip() or r.stdout.strip()}")

    return Service("postgresql", lambda: run("-m", "fast", "-w", "stop"),
                   lambda: run("-l", str(log), "-w", "-o", options, "start"))
