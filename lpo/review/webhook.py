"""Webhook-triggered collect: Label Studio says a project's coding changed, lpo exports that project.

Label Studio (1.23 community) accepts only project webhooks, so each live batch's project gets
one, pointing at `<listener>/lpo/<matter>/<site>/<project id>`: the URL names the batch, and the
hook is registered without payload (`send_payload=False`), so no document text is ever sent to
the listener. Every hook carries a random token in a header; a request without it is refused
(401) before anything is read or queued.

Label Studio posts synchronously inside the reviewer's save (1 s timeout, no retry), so the
handler only queues the project and answers. One worker thread collects queued projects after
`debounce` seconds of quiet (at most `max_delay` after the first event), so a burst of saves is
one snapshot export and the store sees one writer. A lost event is repaired by the next event
of the project or any plain `lpo collect`: collect is idempotent.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit

from lpo.models import Batch
from lpo.review.workflow import CollectResult, Sites, collect_batch
from lpo.workspace import Workspace

log = logging.getLogger(__name__)

HEADER = "X-Lpo-Webhook-Token"  # Label Studio header names: letters, digits, - and _
ACTIONS = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED", "ANNOTATIONS_DELETED")
MAX_BODY = 1 << 20  # without payload a body is {"action": ...}; anything bigger is not Label Studio's


def hook_path(ws: Workspace, site: str, project_id: int) -> str:
    return f"/lpo/{quote(ws.matter.name, safe='')}/{quote(site, safe='')}/{project_id}"


def live_batches(ws: Workspace) -> list[Batch]:
    """Batches with a project on a site, not yet purged: the projects worth hearing from."""
    return [b for b in ws.store.batches() if b.project_id is not None and b.purged_at is None]


@dataclass
class ListenerStats:
    events: int = 0       # authenticated annotation events queued
    refused: int = 0      # requests without the right token (401)
    ignored: int = 0      # events for projects that are not a live batch of this matter
    collects: int = 0     # projects exported and brought into the store
    failures: int = 0     # collects that raised (logged; the next event or `lpo collect` repairs)


class CollectListener:
    """An HTTP receiver for Label Studio's annotation webhooks and the one worker that collects.

        with CollectListener(ws) as listener:      # listening and collecting
            register(ws, listener)
            ...
        unregister(ws, listener)

    `listen()` alone accepts and queues events without collecting until `start()`, so a caller
    can run a full collect meanwhile without a second writer on the store.
    """

    def __init__(self, ws: Workspace, host: str = "127.0.0.1", port: int = 0, *, secret: str | None = None,
                 debounce: float = 1.5, max_delay: float = 10.0, refresh_seconds: float | None = 60.0,
                 sites: Sites | None = None, on_collect: Callable[[Batch, CollectResult], None] | None = None):
        self.ws = ws
        self.secret = secret or secrets.token_urlsafe(32)
        self.debounce = debounce
        self.max_delay = max_delay
        self.refresh_seconds = refresh_seconds  # how often new batches (routed meanwhile) get a hook
        self.sites = sites or Sites(ws)
        self.on_collect = on_collect
        self.stats = ListenerStats()
        self.hooked: set[tuple[str, int]] = set()  # (site, project id) with a registered hook
        self._pending: dict[tuple[str, int], tuple[float, float]] = {}  # key -> (first event, due)
        self._cv = threading.Condition()
        self._stopping = False
        self._worker: threading.Thread | None = None
        self._httpd = ThreadingHTTPServer((host, port), _handler(self))
        self._httpd.daemon_threads = True
        self._http_thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def hook_url(self, site: str, project_id: int) -> str:
        return self.url + hook_path(self.ws, site, project_id)

    # lifecycle -----------------------------------------------------------------------------------------

    def listen(self) -> CollectListener:
        if self._http_thread is None:
            self._http_thread = threading.Thread(target=self._httpd.serve_forever, name="lpo-webhook-http",
                                                 daemon=True)
            self._http_thread.start()
        return self

    def start(self) -> CollectListener:
        self.listen()
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="lpo-webhook-collect", daemon=True)
            self._worker.start()
        return self

    def stop(self) -> None:
        """Stop listening, collect what is still queued, and end the worker."""
        if self._http_thread is not None:
            self._httpd.shutdown()
            self._http_thread.join()
            self._http_thread = None
        self._httpd.server_close()
        with self._cv:
            self._stopping = True
            self._cv.notify_all()
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    def __enter__(self) -> CollectListener:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def pending(self) -> list[tuple[str, int]]:
        with self._cv:
            return sorted(self._pending)

    # events --------------------------------------------------------------------------------------------

    def event(self, site: str, project_id: int) -> None:
        """Queue a collect of this project (called by the HTTP handler; debounced)."""
        now = time.monotonic()
        key = (site, project_id)
        with self._cv:
            first = self._pending[key][0] if key in self._pending else now
            self._pending[key] = (first, min(now + self.debounce, first + self.max_delay))
            self.stats.events += 1
            self._cv.notify_all()

    def _work(self) -> None:
        last_refresh = time.monotonic()
        while True:
            with self._cv:
                while True:
                    now = time.monotonic()
                    due = [k for k, (_, at) in self._pending.items() if at <= now or self._stopping]
                    if due or self._stopping:
                        break
                    waits = [at - now for _, at in self._pending.values()]
                    if self.refresh_seconds is not None:
                        waits.append(last_refresh + self.refresh_seconds - now)
                        if waits[-1] <= 0:
                            break
                    self._cv.wait(max(0.01, min(waits)) if waits else None)
                for k in due:
                    del self._pending[k]
                stopping = self._stopping
            for site, pid in due:
                self._collect(site, pid)
            if stopping:
                return
            if self.refresh_seconds is not None and time.monotonic() - last_refresh >= self.refresh_seconds:
                last_refresh = time.monotonic()
                try:
                    register(self.ws, self, self.sites)
                except Exception as e:  # noqa: BLE001 - a site down now is retried at the next refresh
                    log.warning("webhook refresh failed: %s", e)

    def _collect(self, site: str, project_id: int) -> None:
        found = [b for b in live_batches(self.ws) if b.site == site and b.project_id == project_id]
        if not found:
            self.stats.ignored += 1
            log.info("%s project %s: not a live batch of matter %r; event ignored", site, project_id,
                     self.ws.matter.name)
            return
        for b in found:
            result = CollectResult(stage=b.stage.value)
            try:
                collect_batch(self.ws, b, self.sites.client(b.site), result)
            except Exception as e:  # noqa: BLE001 - one failed export must not end the listener
                self.stats.failures += 1
                log.error("%s (site %s, project %s): collect failed: %s; it is retried on the next event, or "
                          "run `lpo collect`", b.name, site, project_id, e)
                continue
            if self.on_collect is not None:
                self.on_collect(b, result)
            self.stats.collects += 1  # last: a counted collect is one whose store writes and callback are done


def _handler(listener: CollectListener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "lpo-webhook"

        def log_message(self, format: str, *args) -> None:
            log.debug("%s %s", self.address_string(), format % args)  # request line: path only, no body

        def _answer(self, status: int, message: str) -> None:
            body = json.dumps({"status": message}).encode()
            if status != 200:
                self.close_connection = True  # the body may be unread: never reuse this connection
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if not hmac.compare_digest(self.headers.get(HEADER, "").encode(), listener.secret.encode()):
                with listener._cv:
                    listener.stats.refused += 1
                log.warning("webhook from %s without the right %s header refused", self.client_address[0], HEADER)
                return self._answer(401, "unauthorized")
            parts = urlsplit(self.path).path.split("/")
            length = int(self.headers.get("Content-Length") or 0) if \
                (self.headers.get("Content-Length") or "0").isdigit() else -1
            if len(parts) != 5 or parts[1] != "lpo" or unquote(parts[2]) != listener.ws.matter.name \
                    or not parts[4].isdigit() or not 0 <= length <= MAX_BODY:
                log.warning("webhook %s is not a project hook of matter %r; ignored", self.path,
                            listener.ws.matter.name)
                return self._answer(404, "unknown hook")
            try:
                action = json.loads(self.rfile.read(length) or b"{}").get("action")
            except (ValueError, AttributeError):
                return self._answer(400, "body is not a Label Studio webhook")
            if action not in ACTIONS:
                return self._answer(200, "ignored")
            listener.event(unquote(parts[3]), int(parts[4]))
            return self._answer(200, "queued")

    return Handler


# ---- registration on the review sites ----------------------------------------------------------------

def _hooks_by_path(client) -> dict[str, list]:
    out: dict[str, list] = {}
    for w in client._call("list webhooks", client.client.webhooks.list):
        out.setdefault(urlsplit(w.url).path, []).append(w)
    return out


def register(ws: Workspace, listener: CollectListener, sites: Sites | None = None) -> int:
    """Give every live batch's project a hook to this listener; the number of hooks created or updated.

    Idempotent: a project's hook is found by its path (matter, site, project), so a hook left by an
    earlier listener on another port is pointed here instead of doubled, and the token renewed.
    """
    from lpo.review.site import SiteError

    try:
        return _register(ws, listener, sites or Sites(ws))
    except SiteError as e:
        if "reserved network" not in str(e):
            raise
        raise SiteError(f"{e}. Label Studio refuses webhooks to this machine (its SSRF guard): start it with "
                        f"the environment of lpo.review.server.WEBHOOK_ENV (loopback allowed, private networks "
                        f"still blocked), as `lpo` does for the server it runs") from None


def _register(ws: Workspace, listener: CollectListener, sites: Sites) -> int:
    changed = 0
    by_site: dict[str, list[Batch]] = {}
    for b in live_batches(ws):
        by_site.setdefault(b.site, []).append(b)
    for site, batches in by_site.items():
        client = sites.client(site)
        existing = _hooks_by_path(client)
        for b in batches:
            url = listener.hook_url(site, b.project_id)
            spec = {"actions": list(ACTIONS), "headers": {HEADER: listener.secret}, "send_payload": False,
                    "send_for_all_actions": False, "is_active": True}
            found = existing.get(hook_path(ws, site, b.project_id), [])
            current = [w for w in found if w.url == url and (w.headers or {}).get(HEADER) == listener.secret
                       and w.is_active and set(w.actions or []) == set(ACTIONS) and not w.send_payload]
            if current:
                keep, rest = current[0], [w for w in found if w is not current[0]]
            elif found:
                keep, rest = found[0], found[1:]
                client._call(f"update webhook {keep.id}", client.client.webhooks.update, keep.id, url=url, **spec)
                changed += 1
            else:
                keep, rest = None, []
                client._call(f"add webhook to project {b.project_id}", client.client.webhooks.create,
                             retry=False, url=url, project=b.project_id, **spec)
                changed += 1
            for w in rest:  # doubles (a create whose answer was lost): one hook, one event
                client.delete_webhook(w.id)
            listener.hooked.add((site, b.project_id))
    return changed


def unregister(ws: Workspace, listener: CollectListener | None = None, sites: Sites | None = None) -> int:
    """Remove this matter's hooks from its sites (every port, or only `listener`'s); the number removed."""
    sites = sites or Sites(ws)
    prefix = f"/lpo/{quote(ws.matter.name, safe='')}/"
    removed = 0
    for site in ws.matter.review_sites:
        client = sites.client(site.name)
        for path, hooks in _hooks_by_path(client).items():
            if not path.startswith(prefix + quote(site.name, safe="") + "/"):
                continue
            for w in hooks:
                if listener is None or w.url.startswith(listener.url + "/"):
                    client.delete_webhook(w.id)
                    removed += 1
    if listener is not None:
        listener.hooked.clear()
    return removed
