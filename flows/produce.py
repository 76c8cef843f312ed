"""Production flow: select, Bates-number, endorse, image, write load files, privilege log and manifest."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact

from flows.common import TASK_OPTS
from lpo.production.selection import produce_matter
from lpo.workspace import Workspace

SUMMARY_KEYS = ("volume", "documents", "pages", "withheld", "begin_bates", "end_bates", "path")


@task(**{**TASK_OPTS, "retries": 0})
def produce_volumes_task(matter_dir: str, out: str) -> dict:
    # One task: volumes share one Bates sequence and are produced in order. Only what QA accepted
    # (or an attorney coded) goes out when the protocol requires acceptance.
    from lpo.qa.workflow import acceptance

    ws = Workspace.open(matter_dir)
    return produce_matter(ws, out, accepted=acceptance(ws))


@task(**TASK_OPTS)
def index_production_task(matter_dir: str, volume: str) -> str | None:
    """The volume as the receiving party searches it: its produced (redacted) text by Bates number, in
    the matter's search engine. None if indexed, else a note: the volume stands whether or not this works."""
    from lpo.search import SearchError, reindex

    try:
        reindex(Workspace.open(matter_dir), production=volume)
    except Exception as e:  # noqa: BLE001  (SearchError, or Elasticsearch unreachable: the volume is done anyway)
        why = str(e) if isinstance(e, SearchError) else f"{type(e).__name__}: {e}"
        return f"{volume}: produced but not searchable yet ({why}); run `lpo index {matter_dir} --production {volume}`"
    return None


@flow(name="produce")
def produce_flow(matter_dir: str, out: str) -> dict:
    r = produce_volumes_task(matter_dir, out)
    for volume in r["volumes"]:
        note = index_production_task(matter_dir, volume)
        if note:
            r["notes"] = [*r["notes"], note]
    # Figures and control numbers only: no document text in artifacts.
    create_table_artifact(key="production-summary",
                          table=[{**{k: str(r[k]) for k in SUMMARY_KEYS}, "held": str(len(r["held"])),
                                  "notes": str(len(r["notes"]))}],
                          description="Production summary (volumes, Bates range, documents held back)")
    return r
