"""Worker processes: every file is parsed in a worker with a time and a memory limit.

A collection holds hostile files: a PDF whose parser loops, a decompression bomb, a
file that makes a C library segfault. Each is parsed in a worker process whose address
space is capped (RLIMIT_AS) and which is killed at its deadline, so the worst a file can
do is become a processing exception ('timeout', 'out_of_memory', 'crashed') while the
pool starts a fresh worker and the batch goes on.

Workers write natives and text to the content store themselves (a blob appears whole
or not at all, safe across processes) and send back only a FileResult (a path, hashes
and the extraction node, which holds metadata, never text). Workers are forked from a fork server started clean, not from
the caller, which may be running threads (Prefect's engine): fork with threads can
deadlock the child.
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import importlib
import logging
import multiprocessing
import os
import resource
import shutil
import signal
import threading
import time
import warnings
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Self

from lpo.content import ContentStore
from lpo.ingest import legacy
from lpo.ingest.base import DEFAULT_CONTEXT, IngestContext
from lpo.ingest.manager import FileResult, Known, extract_file, failed_file, source_path

# Imported once by the fork server: workers forked from it start warm (see lpo.ingest.warm).
PRELOAD = ["lpo.ingest.warm"]

PREFETCH = 2  # jobs sent ahead to a worker: the next file is in its pipe when it finishes one
WORKER_START_SECONDS = 120  # the first start also starts the fork server and imports the parsers

# Reading and hashing a large file takes time that is not the parser hanging.
READ_BYTES_PER_SECOND = 64 * 1024**2


@dataclass(frozen=True)
class Limits:
    """What one file may cost a worker (ProcessingConfig's timeout_seconds, memory_mb, max_file_mb)."""

    timeout_seconds: float = 120.0
    memory_mb: int = 1536
    max_file_mb: int = 2048

    @classmethod
    def from_config(cls, cfg) -> Limits:
        return cls(timeout_seconds=cfg.timeout_seconds, memory_mb=cfg.memory_mb, max_file_mb=cfg.max_file_mb)

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024**2


@dataclass(frozen=True)
class Failure:
    """A file whose parsing never came back; turned into an exception node by the caller."""

    reason: str
    detail: str


# ---- inside a worker ------------------------------------------------------------------------------

def _die_with_parent() -> None:
    # An orphaned worker (its parent killed with SIGKILL) must not parse on for hours.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass


def _cap_memory(memory_mb: int) -> None:
    # The soft limit only: a converter started as a subprocess (LibreOffice, Tesseract) inherits it
    # and may raise it for itself; what a file makes the parser allocate cannot.
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 1024**2
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    at_rest = _vm_bytes()
    if at_rest > limit * 0.8:
        raise MemoryError(f"processing.memory_mb is {memory_mb} but a worker holds {at_rest // 1024**2} MB "
                          "of address space before reading any file (parsers, language models); "
                          f"set processing.memory_mb in matter.yaml to at least {2 * at_rest // 1024**2}")
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _vm_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _usage() -> tuple[int, float]:
    """Peak resident bytes and CPU seconds so far, for the pool's figures. The CPU includes the
    converters a worker ran and waited for (Tesseract, LibreOffice): that is ingest's work too."""
    u, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_maxrss * 1024, u.ru_utime + u.ru_stime + c.ru_utime + c.ru_stime


def serve(conn, content_root: str, ctx: IngestContext, limits: Limits, preload: tuple[str, ...]) -> None:
    """A worker's life: take (root, path, known) jobs until told to stop, one reply each."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it stops us
    _die_with_parent()
    # A parser that crashes on every hostile file must not fill the disk with core dumps.
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    # The pool already uses every core: a parser's own thread pool would only oversubscribe them.
    for var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    # What parsers say about a broken file ends in its exception record, not on the technician's
    # terminal: their warnings and their C libraries' printouts would bury the progress bar.
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    try:
        for module in preload:
            importlib.import_module(module)
        _cap_memory(limits.memory_mb)
    except Exception as e:  # noqa: BLE001  the pool reports it: no file is to blame
        conn.send(f"{type(e).__name__}: {e}")
        return
    conn.send(("ready", _usage()[1]))  # the CPU spent starting is not any file's
    # Grown past half its headroom, a worker starts afresh: fragmentation must not fail the next file.
    recycle_at = _rss_bytes() + (limits.memory_mb * 1024**2 - _vm_bytes()) // 2
    content = ContentStore(content_root)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        root, rel_path, known = job
        recycle = False
        try:
            reply = extract_file(content, Path(root), rel_path, ctx, max_bytes=limits.max_file_bytes, known=known)
        except MemoryError:
            reply, recycle = Failure("out_of_memory", ""), True
        except OSError as e:
            # A full or read-only content store is no fault of the file: stop the run instead.
            if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS) or str(e.filename or "").startswith(content_root):
                reply = Failure("fatal", f"the content store {content_root} cannot be written ({e}); free space "
                                         "or fix its permissions, then ingest again: registered files are kept")
            else:
                reply = Failure("unreadable", f"{type(e).__name__}: {e}")
        except (Exception, SystemExit) as e:  # noqa: BLE001  a parser calling sys.exit is a crash too
            reply = Failure("crashed", f"{type(e).__name__}: {e}")
        recycle = recycle or _rss_bytes() > recycle_at
        conn.send((reply, *_usage(), recycle))
        if recycle:
            return


# ---- the pool (in the caller) ----------------------------------------------------------------------

@dataclass
class _Job:
    root: str
    rel_path: str
    known: Known | None
    budget: float
    future: Future = field(default_factory=Future)


@dataclass
class _Worker:
    proc: multiprocessing.process.BaseProcess
    conn: object
    # Sent and not answered, oldest first: the first is being parsed, the others wait in the pipe,
    # so the worker starts its next file at once instead of waiting for the caller's threads.
    jobs: deque[_Job] = field(default_factory=deque)
    deadline: float = 0.0  # of jobs[0]
    killed: bool = False
    cpu: float = 0.0
    leaving: bool = False  # said it exits after its last reply: give it no more work


def _kill_tree(pid: int) -> None:
    """SIGKILL a worker and every process it started, even in their own sessions (a LibreOffice
    converter is): once the worker is gone they would be orphans nobody stops."""
    try:
        os.kill(pid, signal.SIGSTOP)  # no new children while we look
    except ProcessLookupError:
        return
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    doomed, todo = [], [pid]
    while todo:
        p = todo.pop()
        doomed.append(p)
        todo.extend(children.get(p, ()))
    for p in doomed:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _size(root: Path, rel_path: str) -> int:
    try:
        return source_path(root, rel_path).stat().st_size
    except OSError:
        return 0


def _signal_name(exitcode: int | None) -> str:
    if exitcode is None or exitcode >= 0:
        return f"exit status {exitcode}"
    try:
        return signal.Signals(-exitcode).name
    except ValueError:
        return f"signal {-exitcode}"


class WorkerPool:
    """Parse files in `workers` processes (default: one per core), each file under `limits`.

    Thread-safe: several chunks may be submitted at once (they are served first in, first out).
    `preload`: modules every worker imports at start, e.g. one registering extra ingestors.
    `batch_legacy`: convert a chunk's legacy Office files in one LibreOffice process (submit_many);
    off, each worker starts LibreOffice for each file (bench/legacy.py's baseline).
    """

    def __init__(self, content_root: Path | str, ctx: IngestContext = DEFAULT_CONTEXT, limits: Limits = Limits(),
                 workers: int | None = None, preload: tuple[str, ...] = (), batch_legacy: bool = True):
        self.content = ContentStore(content_root)
        self._converted = legacy.converted_dir()  # legacy Office files converted in batches (submit_many)
        self.ctx, self.limits, self.preload = replace(ctx, converted=str(self._converted)), limits, tuple(preload)
        self.size = max(1, workers or os.cpu_count() or 1)
        self.batch_legacy = batch_legacy
        self.peak_worker_rss = 0  # bytes: the largest resident size a worker reported
        self.replaced = 0  # workers killed or dead while parsing, and started again
        self.worker_cpu = 0.0  # CPU seconds the workers reported (not counting killed ones' last file)
        self.preconverted = 0  # legacy Office files LibreOffice converted in batches for the workers
        self._mp = multiprocessing.get_context("forkserver")
        self._mp.set_forkserver_preload(PRELOAD)
        self._jobs: deque[_Job] = deque()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._closing = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="lpo-ingest-pool", daemon=True)
        self._thread.start()

    # -- the caller's side

    def submit(self, root: Path | str, rel_path: str, known: Known | None = None) -> Future:
        job = _Job(str(root), rel_path, tuple(known) if known else None,
                   self.limits.timeout_seconds + _size(Path(root), rel_path) / READ_BYTES_PER_SECOND)
        with self._lock:
            if self._closing:
                raise RuntimeError("the worker pool is closed")
            self._jobs.append(job)
        os.write(self._wake_w, b"j")
        return job.future

    def submit_many(self, root: Path | str, paths: list[str], known: dict[str, Known] | None = None
                    ) -> list[Future]:
        """Submit a chunk of files, their futures in the order given. Its legacy Office files are
        converted by one LibreOffice process here first (about a second to start, then hundredths
        a file, where one process per file costs the second every time), while the workers
        already parse the rest."""
        known = known or {}
        legacy_files = legacy.batch_candidates(Path(root), [p for p in paths if not known.get(p)],
                                               self.limits.max_file_bytes) if self.batch_legacy else []
        later = {rel for rel, _ in legacy_files}
        futures = {i: self.submit(root, p, known.get(p)) for i, p in enumerate(paths) if p not in later}
        if later:
            try:
                self.preconverted += legacy.preconvert(Path(root), legacy_files, self._converted, self.limits.memory_mb)
            except Exception:  # noqa: BLE001  only a shortcut: what it did not convert, the workers convert alone
                pass
            futures.update({i: self.submit(root, p, known.get(p)) for i, p in enumerate(paths) if p in later})
        return [futures[i] for i in range(len(paths))]

    def result(self, future: Future, root: Path | str, rel_path: str) -> FileResult:
        r = future.result()
        if isinstance(r, Failure):  # hashed here, from disk: the worker that read the file is gone
            return failed_file(self.content, Path(root), rel_path, r.reason, r.detail,
                               store_native=_size(Path(root), rel_path) <= self.limits.max_file_bytes)
        return r

    def extract(self, root: Path | str, paths: list[str], known: dict[str, Known] | None = None
                ) -> list[FileResult]:
        """Every path a FileResult, in the order given, whatever its workers went through."""
        futures = self.submit_many(root, paths, known)
        return [self.result(f, root, p) for f, p in zip(futures, paths)]

    def close(self, cancel: bool = False) -> None:
        """Finish what was submitted, then stop the workers; with `cancel`, drop what has not started
        (its futures are cancelled) and stop the workers at once (the flow failed: nobody waits)."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            if cancel:
                while self._jobs:
                    self._jobs.popleft().future.cancel()
                for w in self._workers:
                    if w.jobs:
                        w.deadline = 0.0
                        for job in w.jobs:
                            job.future.cancel()
        os.write(self._wake_w, b"c")
        self._thread.join()
        shutil.rmtree(self._converted, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the dispatcher thread

    def _start_worker(self) -> _Worker:
        parent, child = self._mp.Pipe()
        proc = self._mp.Process(target=serve, name="lpo-ingest-worker", daemon=True,
                                args=(child, str(self.content.root), self.ctx, self.limits, self.preload))
        proc.start()
        child.close()
        # A worker that cannot start is the installation's fault, not a file's: fail the run, loudly.
        hello = parent.recv() if parent.poll(WORKER_START_SECONDS) else None
        if not (isinstance(hello, tuple) and hello[0] == "ready"):
            proc.kill()
            proc.join()
            raise RuntimeError(f"an ingest worker process could not start ({hello or _signal_name(proc.exitcode)}); "
                               "check the installation (`make setup`) and the processing limits in matter.yaml")
        w = _Worker(proc, parent, cpu=hello[1])
        self._workers.append(w)
        return w

    def _assign(self) -> None:
        """Keep every worker PREFETCH jobs deep, starting workers up to the pool's size."""
        while True:
            with self._lock:
                if not self._jobs:
                    return
                live = [w for w in self._workers if not w.leaving]
                w = min(live, key=lambda w: len(w.jobs), default=None)
                start = w is None or (w.jobs and len(live) < self.size)  # an idle worker, else a new one
                if not start and len(w.jobs) >= PREFETCH:
                    return
            if start:
                w = self._start_worker()
            with self._lock:
                if not self._jobs:
                    return
                job = self._jobs.popleft()
            try:
                w.conn.send((job.root, job.rel_path, job.known))
            except OSError:  # died: nothing sent to it is being parsed any more
                with self._lock:
                    self._jobs.appendleft(job)
                if w.jobs:
                    self._fail(w)
                else:
                    self._retire(w)
                continue
            if not w.jobs:
                w.deadline = time.monotonic() + job.budget
            w.jobs.append(job)

    def _retire(self, w: _Worker) -> None:
        if w.proc.is_alive():
            _kill_tree(w.proc.pid)
        w.proc.join()
        w.conn.close()
        self._workers.remove(w)
        with self._lock:  # sent but never started: another worker takes them, in their order
            self._jobs.extendleft(reversed(w.jobs))
        w.jobs.clear()

    def _fail(self, w: _Worker) -> None:
        """The worker died or was killed while parsing: its file becomes an exception."""
        job = w.jobs.popleft()
        name = job.rel_path
        self._retire(w)
        self.replaced += 1
        code = w.proc.exitcode
        if w.killed:
            f = Failure("timeout", f"{name}: parsing took longer than {self.limits.timeout_seconds:g} s and was "
                                   "stopped; raise processing.timeout_seconds in matter.yaml and ingest again, "
                                   "or process the file by hand")
        elif code == -signal.SIGKILL:  # not us: the kernel's out-of-memory killer
            f = Failure("out_of_memory", _oom_detail(name, self.limits))
        else:
            f = Failure("crashed", f"{name}: the parser crashed ({_signal_name(code)}); the file is probably "
                                   "damaged or hostile: ask the client for a fresh copy or process it by hand")
        _settle(job.future, f)

    def _reply(self, w: _Worker) -> bool:
        try:
            reply, peak, cpu, w.leaving = w.conn.recv()
        except (EOFError, OSError):
            return False
        self.peak_worker_rss = max(self.peak_worker_rss, peak)
        self.worker_cpu += cpu - w.cpu
        w.cpu = cpu
        job = w.jobs.popleft()
        if w.jobs:  # it went straight on to the next one
            w.deadline = time.monotonic() + w.jobs[0].budget
        if isinstance(reply, Failure) and reply.reason == "fatal":
            if not job.future.cancelled():
                job.future.set_exception(RuntimeError(reply.detail))
            return True
        if isinstance(reply, Failure) and reply.reason == "out_of_memory":
            reply = Failure("out_of_memory", _oom_detail(job.rel_path, self.limits))
        elif isinstance(reply, Failure):
            reply = Failure(reply.reason, f"{job.rel_path}: {reply.detail}; " + (
                "check that it exists and is readable, then ingest again" if reply.reason == "unreadable"
                else "the file is probably damaged: ask the client for a fresh copy"))
        _settle(job.future, reply)
        return True

    def _run(self) -> None:
        try:
            self._loop()
        except BaseException as e:  # noqa: BLE001  the callers waiting on futures get it, and must not hang
            with self._lock:
                self._closing = True
            for w in list(self._workers):
                for job in w.jobs:
                    if not job.future.cancelled():
                        job.future.set_exception(e)
                w.jobs.clear()
                self._retire(w)
            with self._lock:
                for job in self._jobs:
                    if not job.future.cancelled():
                        job.future.set_exception(e)
                self._jobs.clear()
        finally:
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _loop(self) -> None:
        while True:
            self._assign()
            busy = [w for w in self._workers if w.jobs]
            with self._lock:
                if self._closing and not self._jobs and not busy:
                    break
            deadline = min((w.deadline for w in busy), default=None)
            ready = wait([self._wake_r] + [w.conn for w in busy] + [w.proc.sentinel for w in self._workers],
                         None if deadline is None else max(0.0, deadline - time.monotonic()))
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            for w in list(self._workers):
                got = w.conn in ready and bool(w.jobs) and self._reply(w)
                if w.conn in ready and w.jobs and not got or w.proc.sentinel in ready:
                    # Exited: died while parsing, or recycled itself after a reply.
                    w.proc.join(5)
                    if w.jobs and not (w.leaving and got):
                        self._fail(w)
                    else:
                        self._retire(w)
                elif w.leaving:
                    self._retire(w)  # replied and is exiting: what it was sent goes to another
                elif w.jobs and time.monotonic() >= w.deadline:
                    w.killed = True
                    self._fail(w)
        for w in list(self._workers):
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.proc.join(5)
            self._retire(w)


def _settle(future: Future, value: object) -> None:
    if not future.cancelled():
        future.set_result(value)


def _oom_detail(name: str, limits: Limits) -> str:
    return (f"{name}: parsing needed more than {limits.memory_mb} MB of memory and was stopped; raise "
            "processing.memory_mb in matter.yaml and ingest again, or process the file by hand")


# ---- one pool per process, shared by the chunk tasks running in it ----------------------------

_POOLS: dict[tuple, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def shared_pool(content_root: Path | str, ctx: IngestContext = DEFAULT_CONTEXT, limits: Limits = Limits(),
                workers: int | None = None) -> WorkerPool:
    """The process's pool for these settings: chunk tasks running side by side share its workers."""
    key = (str(Path(content_root).resolve()), ctx, limits, workers)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = WorkerPool(content_root, ctx, limits, workers)
        return pool


def close_shared_pools(cancel: bool = False) -> None:
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for p in pools:
        p.close(cancel)


atexit.register(close_shared_pools)
