"""pytest plugin: a real Label Studio server for the test session (fixture `label_studio`).

Loaded from tests/conftest.py (`pytest_plugins = ["tests.conftest_labelstudio"]`).

The first start of a Label Studio data directory runs ~60-90 s of database migrations.
To keep sessions fast, a migrated data directory is kept as a template under
.pytest_cache/lpo/ (keyed by the Label Studio version) and copied into the session's
tmp dir, where the server restarts in ~10 s. The template holds only the test admin
user (fixed, throwaway credentials below) and no documents. Set LPO_TEST_LS_NO_CACHE=1
to always start from an empty directory.

Without .venv-labelstudio the Label Studio tests are skipped locally, and fail in CI.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from lpo.review.server import DEFAULT_VENV, LabelStudioServer, free_port, installed_version

ROOT = Path(__file__).resolve().parent.parent

# Throwaway credentials of the test server (bound to 127.0.0.1, deleted with the session's tmp dir).
TEST_USERNAME = "admin@lpo-test.local"
TEST_PASSWORD = "lpo-test-password"
TEST_TOKEN = "lpotest0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class LabelStudioHandle:
    url: str
    token: str
    username: str
    password: str
    data_dir: Path
    started_in: float

    def site(self, name: str = "test"):
        from lpo.review.site import LabelStudioSite

        return LabelStudioSite(self.url, self.token, name=name)


def _server(data_dir: Path) -> LabelStudioServer:
    return LabelStudioServer(data_dir, free_port(), TEST_USERNAME, TEST_PASSWORD, TEST_TOKEN, venv=DEFAULT_VENV)


def _template(venv: Path) -> Path | None:
    """A migrated, empty data directory to copy from (made on first use); None when caching is off."""
    if os.environ.get("LPO_TEST_LS_NO_CACHE"):
        return None
    template = ROOT / ".pytest_cache" / "lpo" / f"labelstudio-{installed_version(venv)}"
    if (template / "ready").exists():
        return template
    shutil.rmtree(template, ignore_errors=True)
    server = _server(template / "data")
    with server:
        pass  # start (migrations, admin user, token) and stop
    (template / "ready").write_text(f"first start {server.started_in:.1f} s\n")
    return template


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory):
    if not (DEFAULT_VENV / "bin" / "label-studio").exists():
        msg = f"Label Studio is not installed ({DEFAULT_VENV} is missing): run `make setup`"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    data_dir = tmp_path_factory.mktemp("labelstudio") / "data"
    template = _template(DEFAULT_VENV)
    if template is not None:
        shutil.copytree(template / "data", data_dir, ignore=shutil.ignore_patterns("server.log"))
    server = _server(data_dir)
    server.start()
    try:
        yield LabelStudioHandle(url=server.url, token=server.token, username=server.username,
                                password=server.password, data_dir=data_dir, started_in=server.started_in or 0.0)
    finally:
        server.stop()
