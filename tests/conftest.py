"""Session fixtures: real servers, started once per test session.

- PostgreSQL: a private cluster from Debian's postgresql package (tests/pg_server.py),
  or the server at LPO_TEST_PG_URL.
- Label Studio: a real server from .venv-labelstudio (tests/conftest_labelstudio.py).
- Prefect: its test harness (a real temporary API server), only for the tests that run flows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.conftest_labelstudio"]

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def pg_url():
    url = os.environ.get("LPO_TEST_PG_URL")
    if url:
        yield url
        return
    from tests.pg_server import PostgresCluster, pg_bindir

    if pg_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed in CI: .ci/run (make setup) must install it")
        pytest.skip("PostgreSQL is not installed: run `make setup` (apt-get install postgresql)")
    cluster = PostgresCluster()
    url = cluster.start()
    yield url
    cluster.stop()


@pytest.fixture(scope="session")
def prefect_harness():
    import flows  # noqa: F401  (telemetry off before Prefect loads)
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def es_url():
    """A real Elasticsearch: LPO_ELASTICSEARCH_URL, or a single node built from Maven Central (tests/es_server.py)."""
    url = os.environ.get("LPO_ELASTICSEARCH_URL")
    if url:
        yield url
        return
    from tests.es_server import ElasticsearchNode, tools_missing

    why = tools_missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"Elasticsearch cannot start in CI: {why}")
        pytest.skip(why)
    node = ElasticsearchNode()
    url = node.start()
    yield url
    node.stop()
