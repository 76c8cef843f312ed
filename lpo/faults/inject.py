"""One pipeline step under a fault.

A step is an `lpo` command run as a process in a session of its own, so SIGKILL reaches its
whole process group (parser workers, LibreOffice, imaging workers) at once, as the kernel's
OOM killer or a lost machine would. A fault fires after a delay or once the store shows
progress (so it lands inside the work, not in the seconds of start-up); a step that ends
before its moment is recorded as a miss, not as a fault.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lpo.faults.services import Service

KILL = "sigkill"


@dataclass
class Trigger:
    """When a fault fires: `delay` seconds after start, or once progress() reaches `at` (with delay as a cap)."""

    delay: float
    progress: Callable[[], int] | None = None
    at: int = 0

    def describe(self) -> str:
        return f"progress {self.at}" if self.progress is not None else f"{self.delay:.1f} s"


@dataclass
class Fault:
    step: str              # e.g. "collect#2"
    stage: str             # the command: ingest, pretag, route, collect, qa-sample, qa-judge, produce, index
    kind: str              # sigkill, or the server restarted: labelstudio, postgresql, elasticsearch
    trigger: str           # "progress 17" or "3.2 s"
    fired: bool            # False: the step ended before the fault's moment
    seconds: float         # after the step started, when it fired (or ended)
    exit_code: int | None  # of the disturbed process (-9 when killed)
    progress: int | None = None  # the store's progress figure when it fired
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class StepFailed(RuntimeError):
    """An undisturbed step (or the re-run after a fault) exited non-zero; the message holds its log's tail."""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap_group(pgid: int, timeout: float = 30.0) -> None:
    """SIGKILL what is left of the group (children that had not noticed their parent die) and wait."""
    deadline = time.monotonic() + timeout
    while _group_alive(pgid) and time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def start(argv: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(argv)}\n".encode())
        out.flush()
        return subprocess.Popen(list(argv), env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def tail(log: Path, lines: int = 25) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def run_step(argv: Sequence[str], env: dict[str, str], log: Path, timeout: float = 900.0) -> float:
    """Run a step to the end; its seconds. Raises StepFailed on a non-zero exit."""
    t0 = time.monotonic()
    proc = start(argv, env, log)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        _reap_group(proc.pid)
        raise StepFailed(f"`{' '.join(argv)}` did not finish in {timeout:.0f} s; see {log}:\n{tail(log)}") from None
    _reap_group(proc.pid)
    if code != 0:
        raise StepFailed(f"`{' '.join(argv)}` exited {code}; see {log}:\n{tail(log)}")
    return time.monotonic() - t0


def _wait_for(proc: subprocess.Popen, trigger: Trigger, t0: float) -> tuple[bool, int | None]:
    """Wait until the trigger's moment; (the process still runs, the progress figure then)."""
    seen = None
    while proc.poll() is None:
        elapsed = time.monotonic() - t0
        if trigger.progress is not None:
            try:
                seen = trigger.progress()
            except Exception:  # noqa: BLE001  (the store mid-migration, a server restarting: not yet)
                seen = None
            if seen is not None and seen >= trigger.at:
                return True, seen
        if elapsed >= trigger.delay:
            return proc.poll() is None, seen
        time.sleep(0.02)
    return False, seen


def kill_during(step: str, stage: str, argv: Sequence[str], env: dict[str, str], log: Path,
                trigger: Trigger) -> Fault:
    """Start the step and SIGKILL its process group at the trigger."""
    t0 = time.monotonic()
    proc = start(argv, env, log)
    running, seen = _wait_for(proc, trigger, t0)
    fired = running and proc.poll() is None
    if fired:
        os.killpg(proc.pid, signal.SIGKILL)
    at = time.monotonic() - t0
    code = proc.wait()
    _reap_group(proc.pid)
    with open(log, "ab") as out:
        out.write(f"[faults] {'SIGKILL at' if fired else 'ended before'} {at:.2f} s ({trigger.describe()})\n".encode())
    return Fault(step, stage, KILL, trigger.describe(), fired, round(at, 2), code, seen)


def outage_during(step: str, stage: str, argv: Sequence[str], env: dict[str, str], log: Path,
                  trigger: Trigger, service: Service, down_seconds: float = 1.0, timeout: float = 900.0) -> Fault:
    """Start the step, stop the service at the trigger, start it again, and let the step end as it will
    (it may wait the outage out or fail; the harness re-runs it either way)."""
    t0 = time.monotonic()
    proc = start(argv, env, log)
    running, seen = _wait_for(proc, trigger, t0)
    at = time.monotonic() - t0
    notes = []
    if running:
        down = service.restart(down_seconds)
        notes.append(f"{service.name} unreachable for {down:.1f} s")
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        notes.append(f"still running {timeout:.0f} s after the restart: killed")
    _reap_group(proc.pid)
    with open(log, "ab") as out:
        out.write(f"[faults] {service.name} restarted at {at:.2f} s ({trigger.describe()}); exit {code}\n".encode())
    return Fault(step, stage, service.name, trigger.describe(), running, round(at, 2), code, seen, notes)
