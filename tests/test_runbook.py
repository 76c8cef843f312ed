"""The runbook's back-up, restore and token-rotation steps (README.md, Runbook), on real servers.

A small matter is ingested (families, duplicates, threads, an exception, a search index),
backed up with `lpo backup` and restored with `lpo restore` into a new folder (SQLite) or a
new PostgreSQL database; the restored matter must hold every row, blob and index the
original does. Token rotation runs against the real Label Studio of the session, on a
reviewer account made for the test (the shared admin token stays as it is).
"""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import tarfile
import time
import uuid
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select, text
from typer.testing import CliRunner

from lpo.cli import app
from lpo.cull import cull
from lpo.ingest import extract_file, list_files, register_file
from lpo.matter import ReviewSite, default_matter, write_matter
from lpo.search.engine import reindex
from lpo.store import tables as t
from lpo.workspace import Workspace
from tests.test_ingest import write_collection
from tests.test_deployments import new_database

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
SITE_TOKEN = "runbook-site-token-0123456789abcdef012345"  # must never reach an archive


def open_matter(matter_dir: Path, src: Path, store_url: str | None = None) -> Workspace:
    """A matter as the runbook opens one: matter.yaml, two custodians ingested, culled, indexed."""
    matter = default_matter("Acme v. Globex")
    matter.store_url = store_url
    matter.review_sites = [ReviewSite(name="offshore", url="http://127.0.0.1:9", token_env="LPO_RUNBOOK_TOKEN",
                                      role="first_pass")]
    write_matter(matter_dir, matter)
    ws = Workspace.open(matter_dir)
    src.mkdir(parents=True)
    write_collection(src / "jane")
    (src / "john").mkdir(parents=True)
    (src / "john" / "memo.pdf").write_bytes((src / "jane" / "c_memo_copy.pdf").read_bytes())  # a cross-custodian dupe
    for custodian in ("jane", "john"):
        root = src / custodian
        for f in list_files(root):
            register_file(ws.store, ws.content, ws.matter.doc_prefix, custodian, extract_file(ws.content, root, f))
        ws.store.audit("lpo", "ingest", f"{custodian}:{root}", {"files": len(list_files(root))})
    cull(ws)
    reindex(ws)
    return ws


def rows(store_url: str) -> dict[str, list[tuple]]:
    """Every row of every table (and the schema version), in primary-key order."""
    engine = create_engine(store_url)
    out = {}
    with engine.connect() as c:
        for table in t.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in c.execute(select(table).order_by(*table.primary_key.columns))]
        out["alembic_version"] = [tuple(r) for r in c.execute(text("SELECT version_num FROM alembic_version"))]
    engine.dispose()
    return out


def blobs(matter_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(matter_dir).as_posix(): p.read_bytes()
            for p in (matter_dir / "content").rglob("*") if p.is_file()}


def cli_json(*args: str) -> dict:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def assert_same_matter(original: Path, restored: Path) -> None:
    a, b = Workspace.open(original), Workspace.open(restored)
    docs = [(d.control_number, d.sha256, d.md5, d.family_id, d.parent, d.duplicate_of, d.custodians, d.thread_id,
             d.text_sha256) for d in a.store.documents()]
    assert len(docs) >= 7 and any(d[5] for d in docs) and any(d[4] for d in docs)  # duplicates and families
    assert [(d.control_number, d.sha256, d.md5, d.family_id, d.parent, d.duplicate_of, d.custodians, d.thread_id,
             d.text_sha256) for d in b.store.documents()] == docs
    assert list(b.store.audit_events()) == list(a.store.audit_events())
    assert rows(b.store.url) == rows(a.store.url)  # every column of every table
    assert blobs(restored) == blobs(original)
    assert cli_json("status", str(restored), "--json") == cli_json("status", str(original), "--json")
    assert (cli_json("search", str(restored), "pricing OR invoice", "--json")
            == cli_json("search", str(original), "pricing OR invoice", "--json"))
    assert b.store.next_seq() == a.store.next_seq()  # the next ingest numbers on from where the original stopped
    a.store.close()
    b.store.close()


def backup(matter_dir: Path, out: Path):
    r = runner.invoke(app, ["backup", str(matter_dir), "--out", str(out)])
    assert r.exit_code == 0, r.output
    return r


def restore(archive: Path, to: Path, *extra: str):
    return runner.invoke(app, ["restore", str(archive), "--to", str(to), *extra])


def rewrite(archive: Path, out: Path, change) -> None:
    """Copy an archive member by member, `change(name, data)` deciding each member's bytes (None drops it)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for info in src:
            data = change(info.name, src.extractfile(info).read())
            if data is not None:
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))


@pytest.fixture
def sqlite_matter(tmp_path, monkeypatch):
    monkeypatch.setenv("LPO_RUNBOOK_TOKEN", SITE_TOKEN)
    ws = open_matter(tmp_path / "acme", tmp_path / "src")
    ws.store.close()
    return tmp_path / "acme"


def test_backup_and_restore_of_a_sqlite_matter(sqlite_matter, tmp_path):
    archive = tmp_path / "acme.tar"
    backup(sqlite_matter, archive)
    data = archive.read_bytes()
    assert SITE_TOKEN.encode() not in data
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[-1] == "manifest.json" and set(manifest["members"]) == set(names) - {"manifest.json"}
    assert {"matter/lpo.db", "matter/matter.yaml", "matter/search.db"} <= set(names)
    assert not [n for n in names if n.endswith(("-wal", "-shm"))]
    r = restore(archive, tmp_path / "restored")
    assert r.exit_code == 0, r.output
    assert "LPO_RUNBOOK_TOKEN" in r.output and SITE_TOKEN not in r.output
    assert (tmp_path / "restored" / "matter.yaml").read_bytes() == (sqlite_matter / "matter.yaml").read_bytes()
    assert_same_matter(sqlite_matter, tmp_path / "restored")


def test_a_damaged_archive_is_refused_naming_the_member(sqlite_matter, tmp_path):
    archive = tmp_path / "acme.tar"
    backup(sqlite_matter, archive)
    with tarfile.open(archive) as tar:
        blob = next(n for n in tar.getnames() if n.startswith("matter/content/") and tar.getmember(n).size > 100)

    flipped = tmp_path / "flipped.tar"  # one byte of one blob changed, size kept
    rewrite(archive, flipped, lambda n, d: d[:50] + bytes([d[50] ^ 1]) + d[51:] if n == blob else d)
    r = restore(flipped, tmp_path / "r1")
    assert r.exit_code == 2 and blob in r.output and "does not match the manifest" in r.output
    assert not (tmp_path / "r1").exists() and not list(tmp_path.glob(".r1.restoring-*"))  # nothing left behind

    dropped = tmp_path / "dropped.tar"
    rewrite(archive, dropped, lambda n, d: None if n == "matter/lpo.db" else d)
    r = restore(dropped, tmp_path / "r2")
    assert r.exit_code == 2 and "matter/lpo.db" in r.output and "not in the archive" in r.output

    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[:len(archive.read_bytes()) // 2])
    r = restore(cut, tmp_path / "r3")
    assert r.exit_code == 2 and str(cut) in r.output.replace("\n", "") and "restore from another copy" in r.output


def test_restore_never_overwrites(sqlite_matter, tmp_path):
    archive = tmp_path / "acme.tar"
    backup(sqlite_matter, archive)
    before = blobs(sqlite_matter)
    r = restore(archive, sqlite_matter)
    assert r.exit_code == 2 and "not empty" in r.output and "new folder" in r.output
    assert blobs(sqlite_matter) == before
    r = runner.invoke(app, ["backup", str(sqlite_matter), "--out", str(archive)])
    assert r.exit_code == 2 and "already exists" in r.output
    r = restore(archive, tmp_path / "x", "--store-url", "postgresql+psycopg://lpo@127.0.0.1/none")
    assert r.exit_code == 2 and "SQLite" in r.output and "--store-url" in r.output


WRITER = """
import sys
from lpo.store import Store
s = Store(sys.argv[1], migrate_schema=False)
i = 0
while True:
    s.audit("test", "write", f"event {i}", {"i": i})
    i += 1
"""


def _audit_count(db: Path) -> int:
    with closing(sqlite3.connect(db, timeout=30)) as c:
        return c.execute("SELECT count(*) FROM audit_events").fetchone()[0]


def _wait_for_events(db: Path, n: int, writer: subprocess.Popen) -> int:
    deadline = time.monotonic() + 120  # a hang guard, not a measurement
    while (count := _audit_count(db)) < n:
        assert writer.poll() is None and time.monotonic() < deadline, "the writer process stopped writing"
        time.sleep(0.05)
    return count


def test_a_backup_taken_while_another_process_writes_is_consistent(sqlite_matter, tmp_path):
    db = sqlite_matter / "lpo.db"
    start = _audit_count(db)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, f"sqlite:///{db}"], cwd=ROOT)
    try:
        before = _wait_for_events(db, start + 50, writer)
        backup(sqlite_matter, tmp_path / "live.tar")
        _wait_for_events(db, _audit_count(db) + 50, writer)  # it went on writing through and after the backup
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    r = restore(tmp_path / "live.tar", tmp_path / "restored")
    assert r.exit_code == 0, r.output
    restored_db = tmp_path / "restored" / "lpo.db"
    with closing(sqlite3.connect(restored_db)) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    restored = list(Workspace.open(tmp_path / "restored").store.audit_events())
    original = list(Workspace.open(sqlite_matter).store.audit_events())
    # A snapshot: every event committed before the backup began, then an unbroken run of the writer's.
    assert before <= len(restored) < len(original)
    assert restored == original[:len(restored)]


@pytest.mark.postgres
def test_backup_and_restore_of_a_postgresql_matter(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LPO_RUNBOOK_TOKEN", SITE_TOKEN)
    # The test cluster trusts local connections, so a password in the URL is accepted and ignored:
    # what matters here is that it never reaches the archive.
    url = new_database(pg_url, "runbook").replace("lpo@", "lpo:pg-s3cret-pw@")
    ws = open_matter(tmp_path / "acme", tmp_path / "src", store_url=url)
    ws.store.close()
    archive = tmp_path / "acme.tar"
    r = backup(tmp_path / "acme", archive)
    assert "password of store_url" in r.output
    data = archive.read_bytes()
    assert b"pg-s3cret-pw" not in data and SITE_TOKEN.encode() not in data
    with tarfile.open(archive) as tar:
        assert "store.pgdump" in tar.getnames() and "matter/lpo.db" not in tar.getnames()

    r = restore(archive, tmp_path / "restored")
    assert r.exit_code == 2 and "--store-url" in r.output and "empty database" in r.output
    r = restore(archive, tmp_path / "restored", "--store-url", url)  # the original's own database
    assert r.exit_code == 2 and "not empty" in r.output and "pg-s3cret-pw" not in r.output
    assert not (tmp_path / "restored").exists()

    target = new_database(pg_url, "restored")
    r = restore(archive, tmp_path / "restored", "--store-url", target)
    assert r.exit_code == 0, r.output
    assert Workspace.open(tmp_path / "restored").matter.store_url == target
    assert_same_matter(tmp_path / "acme", tmp_path / "restored")


@pytest.mark.labelstudio
def test_a_rotated_token_is_refused_and_the_new_one_accepted(label_studio, tmp_path, monkeypatch):
    from lpo.review.people import invite_token, sign_up

    # A reviewer account of its own: the session's admin token is shared by other tests.
    email = f"rotate-{uuid.uuid4().hex[:6]}@lpo-test.local"
    old = sign_up(label_studio.url, invite_token(label_studio.url, label_studio.token), email, "rotate-pw-1234")
    matter = default_matter("Acme v. Globex")
    matter.review_sites = [
        ReviewSite(name="offshore", url=label_studio.url, token_env="LPO_RB_OFFSHORE", role="first_pass"),
        ReviewSite(name="onshore-qa", url=label_studio.url, token_env="LPO_RB_QA", role="qa")]
    write_matter(tmp_path / "m", matter)
    monkeypatch.setenv("LPO_RB_OFFSHORE", old)
    monkeypatch.setenv("LPO_RB_QA", label_studio.token)

    def check():
        return runner.invoke(app, ["sites", "check", str(tmp_path / "m")], terminal_width=200)

    r = check()
    assert r.exit_code == 0, r.output
    assert f"offshore: accepted, account {email}" in r.output and old not in r.output

    # Step 1 of the rotation: reset the token in Label Studio (the account page's button calls this).
    resp = httpx.post(f"{label_studio.url}/api/current-user/reset-token/", headers={"Authorization": f"Token {old}"})
    assert resp.status_code == 201, resp.text
    new = resp.json()["token"]
    assert new != old

    r = check()  # the workers' environment still holds the old token
    assert r.exit_code == 1
    assert "offshore: " in r.output and "refused the token in LPO_RB_OFFSHORE" in r.output
    assert "onshore-qa: accepted" in r.output and old not in r.output and new not in r.output

    monkeypatch.setenv("LPO_RB_OFFSHORE", new)  # step 2: the new token into the environment
    r = check()
    assert r.exit_code == 0, r.output
    assert f"offshore: accepted, account {email}" in r.output and new not in r.output

    monkeypatch.delenv("LPO_RB_OFFSHORE")
    r = check()
    assert r.exit_code == 1 and "LPO_RB_OFFSHORE is not set" in r.output


def _runbook() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Runbook\n", 1)[1].split("\n## ", 1)[0]


def test_every_runbook_step_names_tests_that_exist_and_commands_lpo_has():
    import re
    import textwrap

    import yaml

    from lpo.matter import RoutingRule

    steps = re.split(r"\n(?=\d+\. \*\*)", _runbook())[1:]
    assert len(steps) == 6
    for s in steps:
        cited = re.findall(r"tests/(\w+\.py)(?:::(\w+))?", s)
        assert cited, f"runbook step without a test: {s[:60]}"
        for file, name in cited:
            source = (ROOT / "tests" / file).read_text(encoding="utf-8")
            assert not name or f"def {name}(" in source, f"{file}::{name}"
    snippet = re.search(r"```yaml\n(.*?)```", _runbook(), re.DOTALL).group(1)
    fragment = yaml.safe_load(textwrap.dedent(snippet))
    assert [ReviewSite.model_validate(s).pool_name for s in fragment["review_sites"]] == ["german"]
    assert [RoutingRule.model_validate(r).pool for r in fragment["routing"]] == ["german"]
    commands = {tuple(c.split()) for c in re.findall(r"^\s*lpo ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", _runbook(), re.MULTILINE)}
    assert {"backup", "restore", "sites"} <= {c[0] for c in commands}
    for c in commands:
        sub = list(c) if c[0] in ("sites", "qa") else [c[0]]
        r = runner.invoke(app, [*sub, "--help"])
        assert r.exit_code == 0, f"lpo {' '.join(sub)}: {r.output}"
