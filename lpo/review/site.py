"""A review site: one Label Studio server reached over its API (label-studio-sdk 2.x, legacy token).

Every call that changes the site is idempotent, so a flow can be retried:
creating a project finds it by title first; importing tasks skips documents whose
control number is already in the project.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

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
}
PROJECT_TITLE_MAX = 50  # Label Studio's PROJECT_TITLE_MAX_LEN
MAX_IMPORT_BYTES = 100 * 1024 * 1024  # Label Studio takes up to 200 MB per import request


class SiteError(RuntimeError):
    """A Label Studio request failed; the message says which and what the server answered."""


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

    def __init__(self, url: str, token: str, name: str = "local", timeout: float = 120.0):
        self.url = url.rstrip("/")
        self.name = name
        self.client = LabelStudio(base_url=self.url, api_key=token, timeout=timeout)

    @classmethod
    def from_review_site(cls, site: ReviewSite) -> "LabelStudioSite":
        return cls(site.url, site.token(), name=site.name)

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ApiError as e:
            raise SiteError(f"{self.name} ({self.url}): {what} failed: HTTP {e.status_code}: {_body(e)}") from None

    # projects -------------------------------------------------------------------------------------------

    def find_project(self, title: str) -> int | None:
        for p in self._call("list projects", self.client.projects.list, page_size=100):
            if p.title == title:
                return p.id
        return None

    def create_project(self, title: str, label_config: str, instructions: str = "") -> int:
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
        existing = self.find_project(title)
        if existing is None:
            project = self._call(f"create project {title!r}", self.client.projects.create, title=title, **settings)
            return project.id
        current = self._call(f"get project {existing}", self.client.projects.get, existing)
        changed = ((current.label_config or "").strip() != label_config.strip()
                   or (current.expert_instruction or "") != instructions)
        if changed:
            self._call(f"update project {title!r}", self.client.projects.update, existing,
                       label_config=label_config, expert_instruction=instructions,
                       show_instruction=bool(instructions))
        return existing

    def delete_project(self, project_id: int) -> None:
        try:
            self.client.projects.delete(project_id)
        except ApiError as e:
            if e.status_code != 404:
                raise SiteError(f"{self.name}: delete project {project_id} failed: HTTP {e.status_code}: "
                                f"{_body(e)}") from None

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

    def task_ids_by_control_number(self, project_id: int) -> dict[str, int]:
        out: dict[str, int] = {}
        pager = self._call(f"list tasks of project {project_id}", self.client.tasks.list,
                           project=project_id, page_size=1000, fields="task_only")
        for t in pager:
            cn = (t.data or {}).get("control_number")
            if cn is not None:
                out.setdefault(cn, t.id)
        return out

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]],
                     max_request_bytes: int = MAX_IMPORT_BYTES) -> list[int]:
        """Import tasks (one request unless they exceed max_request_bytes); the task id of each, in order.

        A task whose data.control_number is already in the project is not imported again:
        its existing id is returned.
        """
        order: list[str] = []
        for i, t in enumerate(tasks):
            cn = (t.get("data") or {}).get("control_number")
            if not cn:
                raise ValueError(f"task {i} has no data.control_number")
            order.append(cn)
        existing = self.task_ids_by_control_number(project_id)
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
                       project_id, request=[t for _, t in chunk], return_task_ids=True)
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
        u = self._call(f"create user {email}", self.client.users.create, username=email, email=email,
                       first_name=first_name, last_name=last_name)
        return u.id

    def create_annotation(self, task_id: int, result: list[dict[str, Any]], completed_by: int | None = None,
                          lead_time: float | None = None) -> int:
        kwargs: dict[str, Any] = {"result": result}
        if completed_by is not None:
            kwargs["completed_by"] = completed_by
        if lead_time is not None:
            kwargs["lead_time"] = lead_time
        a = self._call(f"annotate task {task_id}", self.client.annotations.create, task_id, **kwargs)
        return a.id

    # snapshots ------------------------------------------------------------------------------------------

    def export_snapshot(self, project_id: int, timeout: float = 600.0) -> list[dict[str, Any]]:
        """Every task of the project with its predictions and annotations (users expanded), as JSON.

        The export file is deleted from the server once read: privileged text should not pile up there.
        """
        exports = self.client.projects.exports
        title = f"lpo-snapshot-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}"
        snap = self._call(f"export project {project_id}", exports.create, project_id, title=title,
                          serialization_options=SNAPSHOT_OPTIONS)
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
