"""The pipeline as steps, run undisturbed or with faults, on one generated sample matter.

Steps are `lpo` commands (ingest per custodian, pretag, route, collect, qa sample/judge/elusion,
produce, index), with the people in between: simulated reviewers and attorneys code through
Label Studio's API from the sample's ground truth (lpo.review.simulate), in this process, so a
fault never touches them. A matter's name titles its Label Studio projects, so each run's matter
is named after the run (nothing delivered carries the name) and its projects stand beside the
other runs' on the one site.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from lpo.faults.inject import (
    KILL,
    Fault,
    StepFailed,
    Trigger,
    kill_during,
    outage_during,
    run_step,
)
from lpo.faults.services import Service
from lpo.matter import Matter, write_matter
from lpo.models import Stage

TOKEN_ENV = "LPO_FAULTS_LS_TOKEN"
# The commands a fault can hit, in pipeline order.
STAGES = ("ingest", "pretag", "route", "collect", "qa-sample", "qa-judge", "qa-elusion", "produce", "index")
# Where each server's outage means something: the commands that talk to it.
SERVICE_STAGES = {"labelstudio": ("route", "collect", "qa-sample", "qa-judge"),
                  "postgresql": ("ingest", "pretag", "route", "collect", "produce"),
                  "elasticsearch": ("index",)}


@dataclass
class FaultSpec:
    stage: str                # one of STAGES
    kind: str = KILL          # sigkill, or a service name: labelstudio, postgresql, elasticsearch
    occurrence: int = 1       # which run of the stage (collect runs several times)
    trigger: str = "random"   # progress (a store figure), delay (a share of the undisturbed step's time), random


@dataclass
class Step:
    key: str                  # stage#occurrence, e.g. collect#2
    stage: str
    args: list[str]
    progress: Callable[[], int] | None = None


@dataclass
class RunRecord:
    name: str
    matter_dir: Path
    production: Path
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)       # undisturbed seconds of each step
    progress: dict[str, int] = field(default_factory=dict)      # the step's progress figure at its end
    faults: list[Fault] = field(default_factory=list)
    reruns: int = 0
    failure: str | None = None  # a step that would not run again after a fault: the run stopped there


class Harness:
    def __init__(self, work: Path, sample_dir: Path, custodians: list[str], ls_url: str, ls_token: str, *,
                 env: dict[str, str] | None = None, pg_admin_url: str | None = None, es_url: str | None = None,
                 services: dict[str, Service] | None = None, ingest_chunk_size: int = 4, workers: int = 1,
                 lpo: list[str] | None = None, seed: int = 0, log=None,
                 edit: Callable[[Matter], None] | None = None, qa: bool = True):
        """edit: changes to the sample's matter.yaml (e.g. fewer QA rounds for a short run). qa=False: no
        attorney QA (the protocol then produces without acceptance): the shortest whole pipeline."""
        self.work = Path(work)
        self.sample_dir = Path(sample_dir)
        self.custodians = custodians
        self.ls_url, self.ls_token = ls_url, ls_token
        self.pg_admin_url, self.es_url = pg_admin_url, es_url
        self.services = dict(services or {})
        self.ingest_chunk_size, self.workers = ingest_chunk_size, workers
        exe = Path(sys.executable).with_name("lpo")
        self.lpo = lpo or ([str(exe)] if exe.exists() else [sys.executable, "-m", "lpo.cli"])
        self.rng = random.Random(seed)
        self.log = log or (lambda msg: None)
        self.edit = edit
        self.qa = qa
        self.attempts = 3
        self.env = {**(env if env is not None else os.environ), TOKEN_ENV: ls_token}
        if es_url:
            self.env["LPO_ES_URL"] = os.environ["LPO_ES_URL"] = es_url  # this process compares the indexes
        self.env.setdefault("COLUMNS", "200")
        os.environ[TOKEN_ENV] = ls_token  # the simulated people in this process use the same sites

    # ---- matters ---------------------------------------------------------------------------------

    def new_matter(self, name: str) -> Path:
        from lpo.sample.generator import sample_matter_config
        from lpo.workspace import Workspace

        m = self.work / name
        shutil.rmtree(m, ignore_errors=True)
        shutil.rmtree(self.work / f"{name}-production", ignore_errors=True)
        matter = sample_matter_config()
        matter.name = f"{name} {matter.name}"  # first: a project title keeps the start of the name
        matter.tar.enabled = False  # plain first-pass review: every document routed in one go
        if not self.qa:
            matter.qa.require_acceptance = False
        if self.edit:
            self.edit(matter)
        for site in matter.review_sites:
            site.url, site.token_env = self.ls_url, TOKEN_ENV
        if self.pg_admin_url:
            matter.store_url = self._database(name)
        if self.es_url:
            matter.search.engine = "elasticsearch"
            matter.search.elasticsearch.index_prefix = name.lower()
        write_matter(m, matter)
        ws = Workspace.open(m)
        ws.store.close()  # created and migrated
        self._clear_site(matter.name)
        return m

    def _database(self, name: str) -> str:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = make_url(self.pg_admin_url)
        db = f"lpo_faults_{name.lower().replace('-', '_')}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                c.execute(text(f'CREATE DATABASE "{db}"'))
        finally:
            engine.dispose()
        return admin.set(database=db).render_as_string(hide_password=False)

    def _clear_site(self, matter_name: str) -> None:
        from lpo.review.site import LabelStudioSite

        site = LabelStudioSite(self.ls_url, self.ls_token, name="faults")
        for title, pid in site.projects_by_title().items():
            if title.startswith(matter_name):
                site.delete_project(pid)

    # ---- the pipeline ------------------------------------------------------------------------------

    def steps(self, m: Path, out: Path, count: Callable[[str], int]) -> Iterator[Step | Callable[[], None]]:
        """The pipeline in order; people (callables) between the commands. What comes after QA judges
        depends on the store, so this is a generator: it reads the store when it gets there."""
        from lpo.qa.workflow import open_rereviews
        from lpo.workspace import Workspace

        seen: dict[str, int] = {}

        def step(stage: str, *args: str, progress: Callable[[], int] | None = None) -> Step:
            seen[stage] = seen.get(stage, 0) + 1
            return Step(f"{stage}#{seen[stage]}", stage, list(args), progress)

        for c in self.custodians:
            yield step("ingest", "ingest", str(m), str(self.sample_dir / "sources" / c), "--custodian", c,
                       "--workers", str(self.workers), "--chunk-size", str(self.ingest_chunk_size),
                       progress=lambda: count("source_files"))
        yield step("pretag", "pretag", str(m), progress=lambda: count("pretag_runs"))
        yield step("route", "route", str(m), progress=lambda: count("batches_routed"))
        yield lambda: self._people(m, Stage.first_pass)
        yield step("collect", "collect", str(m), progress=lambda: count("decisions"))
        rounds = Workspace.open(m).matter.qa.max_rereview_rounds
        loops = 0
        while self.qa:
            loops += 1
            if loops > rounds + 2:  # each round adds a re-review level: more means a batch nobody can finish
                raise StepFailed(f"QA went round {loops - 1} times with re-review batches still unjudged "
                                 f"(the protocol allows {rounds} rounds): a re-review batch is stuck")
            yield step("qa-sample", "qa", "sample", str(m), progress=lambda: count("batches_routed"))
            yield lambda: self._people(m, Stage.qa)
            yield step("collect", "collect", str(m), "--stage", "qa", progress=lambda: count("decisions"))
            yield step("qa-judge", "qa", "judge", str(m), progress=lambda: count("verdicts"))
            ws = Workspace.open(m)
            unjudged, depth = open_rereviews(ws)
            ws.store.close()
            if not unjudged or depth > rounds:
                break
            yield lambda: self._people(m, Stage.first_pass)
            yield step("collect", "collect", str(m), progress=lambda: count("decisions"))
        if self.qa and Workspace.open(m).matter.qa.elusion:
            yield step("qa-elusion", "qa", "elusion", str(m), progress=lambda: count("batches_routed"))
            yield lambda: self._people(m, Stage.qa)
            yield step("collect", "collect", str(m), "--stage", "qa", progress=lambda: count("decisions"))
        if self.qa:  # the pipeline's last look for coding changed since (nothing to see without QA)
            yield step("collect", "collect", str(m), progress=lambda: count("decisions"))
        yield step("produce", "produce", str(m), "--out", str(out), progress=lambda: _files(out))
        yield step("index", "index", str(m))

    def _people(self, m: Path, stage: Stage) -> None:
        from lpo.demo import simulate_stage
        from lpo.workspace import Workspace

        ws = Workspace.open(m)
        try:
            simulate_stage(ws, stage, str(self.sample_dir / "ground_truth.json"))
        finally:
            ws.store.close()

    def run(self, name: str, faults: list[FaultSpec] = (), reference: RunRecord | None = None) -> RunRecord:
        """Run the pipeline on a new matter `name`; each fault hits its stage's occurrence, after which the
        stage is run again (until it exits 0) before the pipeline goes on."""
        t0 = time.monotonic()
        m = self.new_matter(name)
        out = self.work / f"{name}-production"
        rec = RunRecord(name, m, out)
        pending = {(f.stage, f.occurrence): [] for f in faults}
        for f in faults:
            pending[(f.stage, f.occurrence)].append(f)
        counter = _Counter(m)
        try:
            self._steps(rec, m, out, counter, pending, faults, reference)
        except StepFailed as e:
            if not faults:
                raise  # the undisturbed run must work
            rec.failure = str(e)
            self.log(f"{name} stopped: {rec.failure}")
        finally:
            counter.close()
        rec.seconds = time.monotonic() - t0
        return rec

    def _steps(self, rec: RunRecord, m: Path, out: Path, counter: _Counter, pending: dict, faults: list,
               reference: RunRecord | None) -> None:
        """Each step in order, its faults first (each followed by the re-run the loop goes on to)."""
        name = rec.name
        for s in self.steps(m, out, counter):
            if callable(s):
                s()
                continue
            argv, log = [*self.lpo, *s.args], self.work / "logs" / name / f"{s.key}.log"
            occurrence = int(s.key.rsplit("#", 1)[1])
            for spec in pending.pop((s.stage, occurrence), []):
                # A fault whose step ended before its moment is tried again on the re-run, earlier.
                for attempt in range(self.attempts):
                    fault = self._inject(s, spec, argv, log, reference, hurry=0.5 ** attempt)
                    rec.faults.append(fault)
                    rec.reruns += 1
                    self.log(f"{name} {s.key}: {fault.kind} {'fired' if fault.fired else 'missed'} at "
                             f"{fault.seconds:.1f} s ({fault.trigger}), exit {fault.exit_code}")
                    if fault.fired:
                        break
            rec.steps[s.key] = run_step(argv, self.env, log)
            if s.progress is not None:
                try:
                    rec.progress[s.key] = s.progress()
                except Exception:  # noqa: BLE001, S110  (no figure: that step's faults fire on delay)
                    pass

    def _inject(self, s: Step, spec: FaultSpec, argv: list[str], log: Path, ref: RunRecord | None,
                hurry: float = 1.0) -> Fault:
        # The moment: within the undisturbed step's time, past most of the command's start-up, or at a
        # random point of its progress figure.
        full = (ref.steps.get(s.key, 8.0) if ref else 8.0) * hurry
        end = ref.progress.get(s.key) if ref else None
        mode = spec.trigger if spec.trigger != "random" else self.rng.choice(["progress", "delay"])
        trigger = Trigger(delay=self.rng.uniform(0.3, 0.95) * full)
        if mode == "progress" and s.progress is not None and end and hurry == 1.0:
            start = s.progress()
            if end - start >= 2:
                # Somewhere inside the step's own work, before its last unit (after which the command may
                # end before the figure is read); the delay only caps the wait. A miss retries on delay.
                at = self.rng.randint(start + 1, end - 1)
                trigger = Trigger(delay=full * 3 + 30, progress=s.progress, at=at)
        if spec.kind == KILL:
            return kill_during(s.key, s.stage, argv, self.env, log, trigger)
        service = self.services.get(spec.kind)
        if service is None:
            raise ValueError(f"fault {spec.kind} at {s.key}: no such service given to the harness "
                             f"(have {sorted(self.services)})")
        return outage_during(s.key, s.stage, argv, self.env, log, trigger, service)


def _files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


class _Counter:
    """Cheap progress figures read from the matter's store while a step writes to it (its own engine, no
    migrations; reopened after an error, e.g. PostgreSQL restarted under it)."""

    def __init__(self, m: Path):
        from lpo.workspace import Workspace

        ws = Workspace.open(m)
        self.url = ws.matter.store_url or f"sqlite:///{ws.dir / 'lpo.db'}"
        self._store = None

    def _engine(self):
        from lpo.store import Store

        if self._store is None:
            self._store = Store(self.url, migrate_schema=False)
        return self._store.engine

    def __call__(self, what: str) -> int:
        from lpo.store import tables as t

        q = {
            "source_files": select(func.count()).select_from(t.source_files),
            "pretag_runs": select(func.count()).select_from(t.pretag_runs),
            "batches_routed": select(func.count()).select_from(t.batches).where(t.batches.c.routed_at.is_not(None)),
            "decisions": select(func.count()).select_from(t.review_decisions),
            "verdicts": select(func.count()).select_from(t.batch_verdicts),
        }[what]
        try:
            with self._engine().connect() as c:
                return int(c.execute(q).scalar() or 0)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
