"""[Hardening] The audit log is append-only and hash-chained: the store refuses to change it, and
`lpo audit verify` names what someone with the database owner's rights changed anyway (an edit, a
deletion in the middle or at the end, an inserted event). On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from lpo.audit import verify_chain
from lpo.cli import app
from lpo.store import Store
from lpo.models import Privilege, SourceFile, Stage
from tests.test_store import decision, doc
from tests.test_store import store  # noqa: F401  (the fixture: SQLite and PostgreSQL)

runner = CliRunner()


def _events(s: Store, n: int = 5) -> None:
    for i in range(n):
        s.audit(f"reviewer{i}@lpo", "collect", f"FP-{i:04d}", {"inserted": i, "score": i / 3, "names": ["Ä", "b"]},
                [f"{i:02x}" * 32])


def _check(s: Store):  # noqa: ANN202
    return verify_chain(s.audit_events(), s.audit_head())


def _as_owner(s: Store, *sql: str) -> None:
    """What someone with the database owner's rights can do: drop the guard, change the log."""
    with s.engine.begin() as c:
        if s.engine.dialect.name == "postgresql":
            c.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            c.execute(text("ALTER TABLE audit_head DISABLE TRIGGER audit_head_kept"))
        else:
            for name in ("audit_events_no_update", "audit_events_no_delete", "audit_head_no_delete"):
                c.execute(text(f"DROP TRIGGER {name}"))
        for q in sql:
            c.execute(text(q))


def test_an_untouched_chain_verifies_and_links_every_event(store):  # noqa: F811
    _events(store)
    evs = list(store.audit_events())
    assert [e.prev_sha256 for e in evs[1:]] == [e.sha256 for e in evs[:-1]] and evs[0].prev_sha256 is None
    assert len({e.sha256 for e in evs}) == 5
    check = _check(store)
    assert check.ok and check.events == 5 and store.audit_head() == (5, evs[-1].sha256)


def test_the_store_refuses_to_change_or_delete_an_event(store):  # noqa: F811
    _events(store, 2)
    for q in ("UPDATE audit_events SET actor = 'someone else'", "DELETE FROM audit_events", "DELETE FROM audit_head"):
        with pytest.raises(DBAPIError, match="append-only"):
            with store.engine.begin() as c:
                c.execute(text(q))
    assert _check(store).ok


@pytest.mark.parametrize("tamper, where", [
    ("UPDATE audit_events SET actor = 'someone else' WHERE id = 3", 3),
    ("UPDATE audit_events SET detail = '{\"inserted\": 9}' WHERE id = 2", 2),
    ("DELETE FROM audit_events WHERE id = 2", 3),  # the next event's link breaks
    ("DELETE FROM audit_events WHERE id = 5", None),  # the last one: the head shows it
])
def test_verify_names_the_event_that_was_changed(store, tamper, where):  # noqa: F811
    _events(store)
    _as_owner(store, tamper)
    check = _check(store)
    assert not check.ok
    assert check.problems[0][0] == where, check.problems


def test_an_event_inserted_around_the_store_is_found(store):  # noqa: F811
    _events(store, 3)
    _as_owner(store, "INSERT INTO audit_events (at, actor, action, subject, detail, input_hashes, prev_sha256, sha256) "
                     "VALUES ('2026-01-01 00:00:00', 'x', 'produce', 'ACME001', '{}', '[]', NULL, NULL)")
    problems = _check(store).problems
    assert [p[0] for p in problems[:2]] == [4, 4] and problems[-1][0] is None


def test_lpo_audit_verify_exit_codes(tmp_path):
    m = tmp_path / "m"
    assert runner.invoke(app, ["init", str(m), "--name", "Acme"]).exit_code == 0
    s = Store.for_matter(m)
    _events(s, 4)
    r = runner.invoke(app, ["audit", "verify", str(m)])
    assert r.exit_code == 0 and "4 events, chain intact" in r.output and s.audit_head()[1] in r.output
    _as_owner(s, "UPDATE audit_events SET subject = 'FP-9999' WHERE id = 2")
    r = runner.invoke(app, ["audit", "verify", str(m)])
    assert r.exit_code == 1 and "event 2" in r.output and "edited" in r.output
    s.close()


def test_events_written_before_the_chain_are_chained_by_the_migration(tmp_path):
    """A matter made by an older lpo: its events get their hashes in order on upgrade, and verify."""
    from sqlalchemy import create_engine

    from lpo.store.store import make_engine, migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = make_engine(url)
    migrate(old, "0005")
    old.dispose()
    e = create_engine(url)
    with e.begin() as c:
        for i in range(3):
            c.execute(text("INSERT INTO audit_events (at, actor, action, subject, detail, input_hashes) VALUES "
                           f"('2026-11-0{i + 1} 10:00:00.123456', 'lpo', 'ingest', 'c{i}', '{{\"files\": {i}}}', '[]')"))
    e.dispose()
    s = Store(url)  # migrates to head
    check = _check(s)
    assert check.ok and check.events == 3, check.problems
    s.audit("lpo", "pretag", "m", {})
    assert _check(s).ok and s.audit_head()[0] == 4
    s.close()


def test_every_coding_decision_is_in_the_chain_with_who_when_what_and_its_text(store):  # noqa: F811
    sf = store.upsert_source_file(SourceFile(custodian="Jane Doe", path="a.eml", sha256="a" * 64, size=10))
    store.add_documents([doc("ACME-00000001", sf, text_sha256="c" * 64), doc("ACME-00000002", sf)])
    first = decision("ACME-00000001", 11, reviewer="ana@lpo")
    store.add_decisions([first, decision("ACME-00000002", 12, reviewer="ben@lpo", responsive=False)])
    store.add_decisions([first])  # collected again, unchanged: nothing new to record
    later = first.model_copy(update={"decided_at": datetime(2030, 1, 1, tzinfo=timezone.utc), "responsive": False})
    store.add_decisions([later])
    store.add_decisions([decision("ACME-00000001", 21, stage=Stage.qa, reviewer="att@lpo", overturned=True, site="qa", project_id=2,
                                  privilege=Privilege.attorney_client, note="quotes the memo")])
    store.retract_missing("offshore", 1, present=[11])  # annotation 12 deleted on the site
    evs = [e for e in store.audit_events()]
    assert [(e.action, e.actor, e.subject) for e in evs] == [
        ("code", "ana@lpo", "ACME-00000001"), ("code", "ben@lpo", "ACME-00000002"),
        ("code", "ana@lpo", "ACME-00000001"), ("qa-overturn", "att@lpo", "ACME-00000001"),
        ("retract", "lpo", "ACME-00000002")]
    assert evs[0].input_hashes == ["c" * 64] and evs[1].input_hashes == []
    assert evs[0].detail["supersedes"] is False and evs[2].detail["supersedes"] is True
    assert evs[2].detail["responsive"] is False and evs[2].detail["decided_at"].startswith("2030-01-01")
    assert evs[3].detail["privilege"] == "attorney_client" and "quotes" not in str(evs[3].detail)
    assert evs[3].detail["note_sha256"] == hashlib.sha256(b"quotes the memo").hexdigest()
    assert _check(store).ok
