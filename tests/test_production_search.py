"""The client searches the production: the produce flow indexes each volume it writes, by Bates number,
with the produced (redacted) text only. FTS5, so no Elasticsearch is needed."""

from __future__ import annotations

from flows.produce import produce_flow
from lpo.matter import write_matter
from lpo.search import reindex, search
from tests.test_production_matter import add_doc, code, new_matter, redaction

PARENT = "The settlement authority of ZEBRA-7734 was discussed with the board."


def test_a_produced_volume_is_searchable_by_bates_and_its_redactions_are_not(tmp_path, prefect_harness):
    ws = new_matter(tmp_path / "m")
    assert ws.matter.search.engine == "fts5"
    # The documents are coded straight into the store, with no QA: a protocol that does not require
    # QA acceptance produces them (the default holds them; tests/test_qa_e2e.py covers that).
    ws.matter.qa.require_acceptance = False
    write_matter(ws.dir, ws.matter)
    add_doc(ws, 1, PARENT)
    add_doc(ws, 2, "Attachment: minutes of the board meeting.", family=1)
    add_doc(ws, 3, "Lunch order for Tuesday.")
    code(ws, "ACME-000001", redactions=[redaction(PARENT, "ZEBRA-7734")])
    code(ws, "ACME-000002")
    code(ws, "ACME-000003", responsive=False)

    r = produce_flow(str(ws.dir), str(tmp_path / "out"))
    assert not [n for n in r["notes"] if "searchable" in n], r["notes"]
    (volume,) = r["volumes"]
    board = search(ws, "board", production=volume)
    bates = {pd.control_number: pd.beg_bates for pd in ws.store.production_documents(volume)}
    assert [h.id for h in board.hits] == [bates["ACME-000001"], bates["ACME-000002"]]
    assert {h.family_id for h in board.hits} == {bates["ACME-000001"]}  # the family, by attachment range
    assert search(ws, '"settlement authority" w/12 board', production=volume).total == 1
    assert search(ws, "lunch", production=volume).total == 0  # not produced

    # The redacted words are in the matter's own index (reviewers see them), never in the production's.
    reindex(ws)
    assert search(ws, "zebra AND 7734").total == 1
    assert search(ws, "zebra OR 7734 OR zebra*", production=volume).total == 0
