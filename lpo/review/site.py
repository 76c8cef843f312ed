"""A review site: one Label Studio server reached over its API (label-studio-sdk 2.x, legacy token).

Every call that changes the site is idempotent, so a flow can be retried:
creating a project finds it by title first; importing tasks skips documents whose
control number is already in the project. While the server is unreachable (restarting,
network blip) calls are retried with backoff for `retry_seconds`; a request that may
have reached the server before the connection dropped (create, import) is never
blindly re-sent: the whole find-then-write step is re-run instead.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from lpo.matter import ReviewSite
from lpo.models import ReviewDecision, Stage

log = logging.getLogger(__name__)

# Full bodies of predictions and annotating users in a snapshot; drafts are not decisions.
SNAPSHOT_OPTIONS = {
    "drafts": {"only_id": True},
    "predictions": {"only_id": False},
    "annotations__completed_by": {"only_id": False},
    "include_annotation_history": False,  # collect keeps its own history; Label Studio's costs time
}
PROJECT_TITLE_MAX = 50  # Label Studio's PROJECT_TITLE_MAX_LEN
MAX_IMPORT_BYTES = 100 * 1024 * 1024  # Label Studio takes up to 200 MB per import request


TRANSIENT_STATUS = {408, 429, 502, 503, 504}


class SiteError(RuntimeError):
    """A Label Studio request failed; the message says which and what the server answered."""


class SiteUnreachable(SiteError):
    """The server did not answer within the retry budget; re-running the step resumes it."""


def _transient(e: BaseException) -> bool:
    if isinstance(e, httpx.TransportError):
        return True
    return isinstance(e, ApiError) and e.status_code in TRANSIENT_STATUS


@dataclass(frozen=True)
class ReviewProgress:
    tasks: int
    annotated: int = 0          # tasks with at least one submitted (not skipped) annotation
    skipped: int = 0            # skipped (cancelled) annotations

    @property
    def finished(self) -> bool:
        return self.tasks > 0 and self.annotated >= self.tasks

    @property
    def remaining(self) -> int:
        return max(self.tasks - self.annotated, 0)


def _body(err: ApiError) -> str:
    body = err.body
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    return str(body)[:2000]


class LabelStudioSite:
    """Projects, tasks, annotations and snapshots on one Label Studio server."""

    def __init__(self, url: str, token: str, name: str = "local", timeout: float = 120.0,
                 retry_seconds: float = 120.0):
        self.url = url.rstrip("/")
        self.name = name
        self.retry_seconds = retry_seconds
        self.retries = 0  # transient failures survived, for reports and tests
        self.client = LabelStudio(base_url=self.url, api_key=token, timeout=timeout)

    @classmethod
    def from_review_site(cls, site: ReviewSite, retry_seconds: float = 120.0) -> "LabelStudioSite":
        return cls(site.url, site.token(), name=site.name, retry_seconds=retry_seconds)

    def _retrying(self, what: str, fn, *args, **kwargs):
        """Run fn, waiting out transient failures (connection refused, 502-504) up to retry_seconds."""
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.5
        while True:
            try:
                return fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - only transient ones are retried
                if not _transient(e):
                    raise
                if time.monotonic() + delay > deadline:
                    why = f"HTTP {e.status_code}" if isinstance(e, ApiError) else type(e).__name__
                    raise SiteUnreachable(
                        f"{self.name} ({self.url}): {what}: no answer for {self.retry_seconds:.0f} s ({why}: {e}). "
                        f"Check that Label Studio is running, then run the step again: it resumes where it "
                        f"stopped without duplicating anything") from None
                self.retries += 1
                log.warning("%s: %s: %s; retrying in %.1f s", self.name, what, type(e).__name__, delay)
                time.sleep(delay)
                delay = min(delay * 2, 8.0)

    def _call(self, what: str, fn, *args, retry: bool = True, **kwargs):
        """One API call; idempotent ones (retry=True) wait out outages, the others raise them to the caller."""
        def once():
            try:
                return fn(*args, **kwargs)
            except ApiError as e:
                if _transient(e):
                    raise
                raise SiteError(f"{self.name} ({self.url}): {what} failed: HTTP {e.status_code}: "
                                f"{_body(e)}") from None
        return self._retrying(what, once) if retry else once()

    # projects -------------------------------------------------------------------------------------------

    def projects_by_title(self) -> dict[str, int]:
        """Every project's id by title (the oldest when a title repeats), in one listing."""
        def listing() -> dict[str, int]:
            out: dict[str, int] = {}
            for p in self.client.projects.list(page_size=500):
                if p.title not in out or p.id < out[p.title]:
                    out[p.title] = p.id
            return out
        return self._call("list projects", listing)

    def find_project(self, title: str) -> int | None:
        return self.projects_by_title().get(title)

    def create_project(self, title: str, label_config: str, instructions: str = "", *,
                       known_absent: bool = False) -> int:
        """The id of the project with this title, created if absent; config and instructions kept current.

        `instructions` is HTML, shown before each task (see lpo.review.config.instructions_html).
        Label Studio refuses a config that is invalid or that would orphan existing annotations.
        """
        if not 3 <= len(title) <= PROJECT_TITLE_MAX:
            raise ValueError(f"Label Studio project titles are 3-{PROJECT_TITLE_MAX} characters; "
                             f"{title!r} has {len(title)}")
        settings = dict(label_config=label_config, expert_instruction=instructions, show_instruction=bool(instructions),
                        show_skip_button=False, show_collab_predictions=True,
                        reveal_preannotations_interactively=False, maximum_annotations=1)
        existing = None if known_absent else self.find_project(title)
        if existing is None:
            # Not retried alone: a create whose answer was lost may have made the project, so the
            # retry looks it up by title again first.
            attempts = [0]

            def find_or_create() -> int:
                attempts[0] += 1
                found = self.find_project(title) if attempts[0] > 1 or not known_absent else None
                if found is not None:
                    return found
                return self._call(f"create project {title!r}", self.client.projects.create, retry=False,
                                  title=title, **settings).id
            return self._retrying(f"create project {title!r}", find_or_create)
        current = self._call(f"get project {existing}", self.client.projects.get, existing)
        changed = ((current.label_config or "").strip() != label_config.strip()
                   or (current.expert_instruction or "") != instructions)
        if changed:
            self._call(f"update project {title!r}", self.client.projects.update, existing,
                       label_config=label_config, expert_instruction=instructions,
                       show_instruction=bool(instructions))
        return existing

    def delete_project(self, project_id: int) -> None:
        """Delete a project with its tasks, annotations and exports (gone already is fine)."""
        self._delete(f"delete project {project_id}", self.client.projects.delete, project_id)

    def delete_webhook(self, hook_id: int) -> None:
        """Delete a webhook (gone already, e.g. with its purged project, is fine)."""
        self._delete(f"delete webhook {hook_id}", self.client.webhooks.delete, hook_id)

    def _delete(self, what: str, fn: Callable[[int], Any], object_id: int) -> None:
        def delete() -> None:
            try:
                fn(object_id)
            except ApiError as e:
                if e.status_code == 404:
                    return
                if _transient(e):
                    raise
                raise SiteError(f"{self.name}: {what} failed: HTTP {e.status_code}: {_body(e)}") from None
        self._retrying(what, delete)

    def progress(self, project_id: int) -> ReviewProgress:
        p = self._call(f"get project {project_id}", self.client.projects.get, project_id)
        return ReviewProgress(tasks=p.task_number or 0, annotated=p.num_tasks_with_annotations or 0,
                              skipped=p.skipped_annotations_number or 0)

    def annotated_task_count(self, project_id: int) -> int:
        """Tasks with at least one submitted annotation (skips do not count)."""
        return self.progress(project_id).annotated

    def is_finished(self, project_id: int) -> bool:
        return self.progress(project_id).finished

    # tasks ----------------------------------------------------------------------------------------------

    def task_index(self, project_id: int) -> dict[str, list[int]]:
        """Task ids of the project by control number (more than one id: a duplicate import)."""
        def listing() -> dict[str, list[int]]:
            out: dict[str, list[int]] = defaultdict(list)
            for t in self.client.tasks.list(project=project_id, page_size=1000, fields="task_only"):
                cn = (t.data or {}).get("control_number")
                if cn is not None:
                    out[cn].append(t.id)
            return {cn: sorted(ids) for cn, ids in out.items()}
        return self._call(f"list tasks of project {project_id}", listing)

    def task_ids_by_control_number(self, project_id: int) -> dict[str, int]:
        return {cn: ids[0] for cn, ids in self.task_index(project_id).items()}

    def delete_tasks(self, task_ids: Sequence[int]) -> None:
        for tid in task_ids:
            def delete(tid: int = tid) -> None:
                try:
                    self.client.tasks.delete(str(tid))
                except ApiError as e:
                    if e.status_code != 404:
                        raise
            self._call(f"delete task {tid}", delete)

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]],
                     max_request_bytes: int = MAX_IMPORT_BYTES, present: dict[str, int] | None = None) -> list[int]:
        """Import tasks (one request unless they exceed max_request_bytes); the task id of each, in order.

        A task whose data.control_number is already in the project is not imported again:
        its existing id is returned. An outage mid-import is waited out and the import
        resumed from a fresh listing of the project, so nothing is imported twice.
        `present` (control number -> task id, just listed by the caller) saves the first listing.
        """
        known = [present]

        def attempt() -> list[int]:
            listed, known[0] = known[0], None  # a retry lists the project again
            return self._import_missing(project_id, tasks, max_request_bytes, listed)
        return self._retrying(f"import tasks into project {project_id}", attempt)

    def _import_missing(self, project_id: int, tasks: Sequence[dict[str, Any]],
                        max_request_bytes: int, present: dict[str, int] | None) -> list[int]:
        order: list[str] = []
        for i, t in enumerate(tasks):
            cn = (t.get("data") or {}).get("control_number")
            if not cn:
                raise ValueError(f"task {i} has no data.control_number")
            order.append(cn)
        existing = dict(present) if present is not None else self.task_ids_by_control_number(project_id)
        new: dict[str, dict[str, Any]] = {}
        for cn, t in zip(order, tasks):
            if cn not in existing and cn not in new:
                new[cn] = t
        chunk: list[tuple[str, dict[str, Any]]] = []
        size = 0
        for cn, t in [*new.items(), ("", {})]:  # a sentinel flushes the last chunk
            n = len(json.dumps(t, ensure_ascii=False).encode("utf-8")) if cn else 0
            if chunk and (not cn or size + n > max_request_bytes):
                existing.update(self._import(project_id, chunk))
                chunk, size = [], 0
            if cn:
                chunk.append((cn, t))
                size += n
        return [existing[cn] for cn in order]

    def _import(self, project_id: int, chunk: list[tuple[str, dict[str, Any]]]) -> dict[str, int]:
        r = self._call(f"import {len(chunk)} tasks into project {project_id}", self.client.projects.import_tasks,
                       project_id, retry=False, request=[t for _, t in chunk], return_task_ids=True)
        ids = list(r.task_ids or [])
        if len(ids) != len(chunk):
            raise SiteError(f"{self.name}: imported {len(chunk)} tasks into project {project_id} but the server "
                            f"returned {len(ids)} task ids")
        return {cn: i for (cn, _), i in zip(chunk, ids)}

    # people and annotations -----------------------------------------------------------------------------

    def users(self) -> dict[int, str]:
        """User id -> email, for exports whose completed_by is an id."""
        return {u.id: u.email for u in self._call("list users", self.client.users.list)}

    def ensure_user(self, email: str, first_name: str = "", last_name: str = "") -> int:
        """The id of the user with this email, created (without a password: no login) if absent."""
        for uid, em in self.users().items():
            if em and em.lower() == email.lower():
                return uid
        u = self._call(f"create user {email}", self.client.users.create, retry=False, username=email, email=email,
                       first_name=first_name, last_name=last_name)
        return u.id

    def create_annotation(self, task_id: int, result: list[dict[str, Any]], completed_by: int | None = None,
                          lead_time: float | None = None) -> int:
        kwargs: dict[str, Any] = {"result": result}
        if completed_by is not None:
            kwargs["completed_by"] = completed_by
        if lead_time is not None:
            kwargs["lead_time"] = lead_time
        a = self._call(f"annotate task {task_id}", self.client.annotations.create, task_id, retry=False, **kwargs)
        return a.id

    # snapshots ------------------------------------------------------------------------------------------

    def export_snapshot(self, project_id: int, timeout: float = 600.0, *, predictions: bool = True,
                        annotated_only: bool = False) -> list[dict[str, Any]]:
        """Every task of the project with its annotations (users expanded) and, unless predictions=False,
        its full predictions, as JSON. annotated_only: only tasks with a submitted annotation (what
        collect needs; a task whose annotations were all deleted drops out, which collect reads as
        a retraction).

        The export file is deleted from the server once read: privileged text should not pile up there.
        """
        exports = self.client.projects.exports
        title = f"lpo-snapshot-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}"
        options = dict(SNAPSHOT_OPTIONS) if predictions else {**SNAPSHOT_OPTIONS, "predictions": {"only_id": True}}
        extra = {"task_filter_options": {"annotated": "only"}} if annotated_only else {}
        snap = self._call(f"export project {project_id}", exports.create, project_id, title=title,
                          serialization_options=options, **extra)
        try:
            deadline = time.monotonic() + timeout
            status = snap.status
            delay = 0.05
            while status != "completed":
                if status == "failed":
                    raise SiteError(f"{self.name}: export {snap.id} of project {project_id} failed on the server")
                if time.monotonic() > deadline:
                    raise SiteError(f"{self.name}: export {snap.id} of project {project_id} not finished after "
                                    f"{timeout:.0f} s (status {status})")
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                status = self._call(f"export status {snap.id}", exports.get, project_id, snap.id).status
            raw = b"".join(self._call(f"download export {snap.id}", lambda: list(
                exports.download(project_id, snap.id, export_type="JSON"))))
        finally:
            try:
                exports.delete(project_id, snap.id)
            except ApiError as e:  # the snapshot was read; a stale export file is logged, not fatal
                log.warning("%s: could not delete export %s of project %s: HTTP %s", self.name, snap.id,
                            project_id, e.status_code)
        data = json.loads(raw)
        if not isinstance(data, list):
            raise SiteError(f"{self.name}: export of project {project_id} is not a list of tasks")
        return data

    def collect(self, project_id: int, stage: Stage) -> list[ReviewDecision]:
        """The decisions made so far in a project (one per submitted annotation)."""
        from lpo.review.collect import decisions_from_export

        return decisions_from_export(self.export_snapshot(project_id), site=self.name, stage=stage,
                                     users=self.users())
