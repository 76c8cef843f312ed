"""Run a local Label Studio server (the embedded default review UI).

Label Studio lives in its own virtual environment (`.venv-labelstudio`, made by
`make setup`) because its pins conflict with Prefect's. The server is started
headless with one admin user and a legacy API token, bound to 127.0.0.1, with
every phone-home switched off: privileged documents must not leave the machine.

`label-studio start` serves through Django's development server: one process, so one core,
and a snapshot export (collect's bulk read, about 1.4 ms of CPU a task) holds it. The first
start of a data directory runs it once, for the database migrations, the admin user and its
token; after that the server runs as Label Studio's Docker image runs it, under gunicorn
with a worker process per core and one more (up to five), its SQLite database in WAL mode
so that one export reading does not hold up another's writes. Two exports of one site then
run on two cores (bench/route.py).
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VENV = REPO / ".venv-labelstudio"
# Sync workers, a request each: a threaded worker may accept two exports and run them on one core
# (one GIL). One worker more than cores, so a reviewer's page load does not wait behind two exports.
WORKERS = min((os.cpu_count() or 1) + 1, 5)
INITIALISED = "lpo-initialised"  # in the data directory: the Label Studio version that set it up

# Settings read by Label Studio at start (label_studio/core/settings). Label Studio looks up
# LABEL_STUDIO_<NAME> first, then <NAME>, so both spellings are set to win over the user's env.
PRIVACY_ENV: dict[str, str] = {
    "SENTRY_DSN": "",                      # backend error reports to sentry.io (default on in the OSS build)
    "FRONTEND_SENTRY_DSN": "",             # browser error reports to sentry.io
    "COLLECT_ANALYTICS": "false",          # usage analytics (contextlog) sent to HumanSignal
    "LATEST_VERSION_CHECK": "false",       # PyPI version check at start
    "DISABLE_SIGNUP_WITHOUT_LINK": "true",  # nobody can create an account from the login page
    "CONVERTER_DOWNLOAD_RESOURCES": "false",  # exports never fetch URLs found in task data
    "FEATURE_FLAGS_OFFLINE": "true",       # feature flags from the local file, never from LaunchDarkly
}


# Label Studio refuses to POST webhooks to reserved networks (its SSRF guard, core/utils/io.py
# validate_ip), loopback included, so `lpo collect --listen` on 127.0.0.1 would never hear from it.
# Its default list is replaced by the same list minus 127.0.0.0/8: private networks, link-local
# (cloud metadata) and the rest stay blocked; only this machine's IPv4 loopback opens.
SSRF_BANNED_SUBNETS_BUT_LOOPBACK = ",".join([
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
    "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
    "224.0.0.0/4", "233.252.0.0/24", "240.0.0.0/4", "255.255.255.255/32", "::/128", "::1/128", "::ffff:0:0/96",
    "::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:0000::/32", "2001:20::/28",
    "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8"])
WEBHOOK_ENV: dict[str, str] = {
    "USE_DEFAULT_BANNED_SUBNETS": "false",
    "USER_ADDITIONAL_BANNED_SUBNETS": SSRF_BANNED_SUBNETS_BUT_LOOPBACK,
}


def installed_version(venv: Path) -> str:
    """The label-studio version installed in venv ('unknown' if none)."""
    found = sorted(venv.glob("lib/python*/site-packages/label_studio-*.dist-info"))
    return found[-1].name.removeprefix("label_studio-").removesuffix(".dist-info") if found else "unknown"


class LabelStudioError(RuntimeError):
    """The Label Studio server could not be started or reached."""


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens on host:port (connections lingering in TIME_WAIT do not count, as for the server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabelStudioServer:
    """A Label Studio server process over one data directory.

        with LabelStudioServer(Path("demo-out/labelstudio"), 8080, "admin@lpo.local", pw, token) as ls:
            site = LabelStudioSite(ls.url, ls.token)
    """

    def __init__(self, data_dir: Path, port: int, username: str, password: str, token: str,
                 venv: Path = DEFAULT_VENV, host: str = "127.0.0.1", start_timeout: float = 240.0,
                 workers: int | None = None):
        """workers: gunicorn worker processes (default WORKERS: cores + 1, up to five); 0 serves through
        `label-studio start`, Django's development server, as Label Studio's own quick start does."""
        if "@" not in username:
            raise ValueError(f"Label Studio username must be an email address, got {username!r}")
        if len(password) < 8:
            raise ValueError("Label Studio password must be at least 8 characters")
        if len(token) < 8 or not token.isalnum():
            raise ValueError("Label Studio user token must be 8 or more letters and digits, "
                             "e.g. secrets.token_hex(20)")
        self.data_dir = Path(data_dir)
        self.port = int(port)
        self.username = username
        self.password = password
        self.token = token
        self.venv = Path(venv)
        self.host = host
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.started_in: float | None = None
        self.workers = WORKERS if workers is None else max(0, int(workers))

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def executable(self) -> Path:
        return self.venv / "bin" / "label-studio"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # The Label Studio venv must not see our venv's packages.
        for k in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):
            env.pop(k, None)
        for name, value in {**PRIVACY_ENV, **WEBHOOK_ENV}.items():
            env[name] = value
            env["LABEL_STUDIO_" + name] = value
        env.update({
            "LABEL_STUDIO_USERNAME": self.username,
            "LABEL_STUDIO_PASSWORD": self.password,
            "LABEL_STUDIO_USER_TOKEN": self.token,
            "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
            "LABEL_STUDIO_BASE_DATA_DIR": str(self.data_dir),
            "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "false",
        })
        return env

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log written)"
        return "\n".join(text.splitlines()[-lines:])

    def healthy(self, timeout: float = 2.0) -> bool:
        try:
            r = httpx.get(f"{self.url}/health", timeout=timeout)
        except httpx.HTTPError:
            return False
        return r.status_code == 200

    def version(self) -> str:
        return installed_version(self.venv)

    def start(self) -> "LabelStudioServer":
        if self.process is not None and self.process.poll() is None:
            return self
        if not self.executable.exists():
            raise LabelStudioError(f"Label Studio is not installed: {self.executable} is missing; "
                                   f"run `make setup` (it creates {self.venv} with label-studio)")
        if not port_free(self.port, self.host):
            # Label Studio would silently move to the next port; refuse instead.
            raise LabelStudioError(f"port {self.port} on {self.host} is in use; stop what is listening there "
                                   f"or choose another port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        marker = self.data_dir / INITIALISED
        if self.workers and not (marker.is_file() and marker.read_text().strip() == self.version()):
            # Migrations (a new Label Studio version too), the admin user and its token: `label-studio start`
            # does them; gunicorn serves from then on.
            self._launch(self._start_cmd(), t0)
            self.stop()
            marker.write_text(self.version() + "\n")
        if self.workers and not (self.venv / "bin" / "gunicorn").exists():
            raise LabelStudioError(f"gunicorn is not installed in {self.venv}: run `make setup` (it installs "
                                   "requirements-labelstudio.txt)")
        self._wal()
        if self.workers:
            self._launch(self._gunicorn_cmd(), t0, {"DJANGO_SETTINGS_MODULE": "core.settings.label_studio"})
        else:
            self._launch(self._start_cmd(), t0)
        self._check_token()
        return self

    def _start_cmd(self) -> list[str]:
        # The credentials go in the environment (LABEL_STUDIO_USERNAME/PASSWORD/USER_TOKEN), not on the
        # command line where `ps` would show them.
        return [str(self.executable), "start", "--no-browser", "--internal-host", self.host, "--port", str(self.port),
                "--data-dir", str(self.data_dir), "--enable-legacy-api-token", "--log-level", "WARNING"]

    def _gunicorn_cmd(self) -> list[str]:
        package = next(self.venv.glob("lib/python*/site-packages/label_studio"))
        return [str(self.venv / "bin" / "gunicorn"), "core.wsgi:application", "--chdir", str(package),
                "--bind", f"{self.host}:{self.port}", "--workers", str(self.workers), "--worker-class", "sync",
                "--timeout", "600", "--graceful-timeout", "10", "--log-level", "warning"]

    def _wal(self) -> None:
        """Write-ahead logging on Label Studio's SQLite database (it persists in the file): readers and a
        writer no longer wait for each other, so parallel exports run in parallel."""
        db = self.data_dir / "label_studio.sqlite3"
        if db.is_file():
            con = sqlite3.connect(db, timeout=30)
            try:
                con.execute("PRAGMA journal_mode=WAL")
            finally:
                con.close()

    def _launch(self, cmd: list[str], t0: float, env: dict[str, str] | None = None) -> None:
        """Start cmd and wait for /health, or raise with the log's last lines."""
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env={**self.env(), **(env or {})}, cwd=self.data_dir,
                                            start_new_session=True)
        finally:
            log.close()
        deadline = t0 + self.start_timeout
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise LabelStudioError(f"Label Studio exited with code {code} while starting; "
                                       f"last lines of {self.log_path}:\n{self.log_tail()}")
            if self.healthy():
                self.started_in = time.monotonic() - t0
                return
            if "is in use" in self.log_tail(10):
                self.stop()
                raise LabelStudioError(f"Label Studio found port {self.port} in use; last lines of "
                                       f"{self.log_path}:\n{self.log_tail()}")
            time.sleep(0.5)
        self.stop()
        raise LabelStudioError(f"Label Studio did not answer {self.url}/health within {self.start_timeout:.0f} s "
                               f"(the first start runs database migrations); last lines of "
                               f"{self.log_path}:\n{self.log_tail()}")

    def _check_token(self) -> None:
        r = httpx.get(f"{self.url}/api/current-user/whoami", headers={"Authorization": f"Token {self.token}"},
                      timeout=10)
        if r.status_code == 200:
            return
        self.stop()
        raise LabelStudioError(
            f"Label Studio at {self.url} refused the API token (HTTP {r.status_code}). Label Studio sets the "
            f"admin user and token only when {self.data_dir} is first initialised: use the token it was "
            f"created with, or start from an empty data directory")

    def stop(self, timeout: float = 20.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        # The server runs in its own session (process group): signal the group, not just the launcher.
        try:
            os.killpg(proc.pid, signal.SIGINT)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def __enter__(self) -> "LabelStudioServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
