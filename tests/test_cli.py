"""The `lpo` command line: init, ingest and status through the real flows and Prefect's harness."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lpo.cli import app

runner = CliRunner()


@pytest.fixture
def matter(tmp_path):
    r = runner.invoke(app, ["init", str(tmp_path / "m"), "--name", "Acme v. Globex"])
    assert r.exit_code == 0, r.output
    return tmp_path / "m"


def test_init_refuses_to_overwrite(matter):
    r = runner.invoke(app, ["init", str(matter)])
    assert r.exit_code == 2 and "already exists" in r.output


def test_ingest_then_status_accounts_for_every_file(matter, tmp_path, prefect_harness):
    src = tmp_path / "src"
    src.mkdir()
    (src / "memo.txt").write_text("Pricing memo for the Globex supply agreement.")
    (src / "empty.txt").write_bytes(b"")
    r = runner.invoke(app, ["ingest", str(matter), str(src), "--custodian", "Jane Doe"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["status", str(matter), "--json"])
    status = json.loads(r.stdout)
    assert (status["files_seen"], status["files_accounted"], status["documents"], status["exceptions"]) == (2, 2, 1, 1)


def test_an_invalid_matter_is_a_clear_error(matter):
    (matter / "matter.yaml").write_text((matter / "matter.yaml").read_text().replace("batch_size: 50", "batch_size: 0"))
    r = runner.invoke(app, ["status", str(matter)])
    assert r.exit_code == 2
    assert "batch_size" in r.output and "greater than or equal to 1" in r.output


def test_ingest_of_a_missing_path_says_so(matter, tmp_path):
    r = runner.invoke(app, ["ingest", str(matter), str(tmp_path / "nope"), "--custodian", "J"])
    assert r.exit_code == 2 and "does not exist" in r.output
