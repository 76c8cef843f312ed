"""Producing a matter from its store: selection, families, slip sheets, duplicates, volumes, verification.

Real matters (matter.yaml, SQLite store, content store) built here; a property-based
test (hypothesis) produces random matters and checks what must always hold.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from lpo.cli import app
from lpo.matter import ProductionConfig, default_matter, write_matter
from lpo.models import Document, Privilege, RedactionSpan, ReviewDecision, Stage
from lpo.production import read_dat, read_opt, read_privlog, verify_production
from lpo.production.selection import produce_matter
from lpo.workspace import Workspace

_ann = iter(range(1, 10**9))


def new_matter(root: Path, **production) -> Workspace:
    m = default_matter("Acme")
    m.production = ProductionConfig(prefix="ACME", image_format=production.pop("image_format", "pdf"), **production)
    write_matter(root, m)
    return Workspace.open(root)


def add_doc(ws: Workspace, seq: int, text: str, family: int | None = None, custodian: str = "Jane Roe",
            duplicate_of: str | None = None, custodians: list[str] | None = None) -> Document:
    cn = f"ACME-{seq:06d}"
    data = text.encode()
    sha = ws.content.put_bytes(data)
    fid = f"ACME-{family:06d}" if family is not None else cn
    doc = Document(control_number=cn, custodian=custodian, parent=None if fid == cn else fid, family_id=fid,
                   duplicate_of=duplicate_of, md5=hashlib.md5(data).hexdigest(), sha1=hashlib.sha1(data).hexdigest(),
                   sha256=sha, source_path=f"{custodian}/{cn}.txt", file_name=f"{cn}.txt", extension="txt",
                   mime_type="text/plain", size=len(data), text_sha256=ws.content.put_text(text),
                   custodians=custodians or [custodian])
    ws.store.add_documents([doc])
    return doc


def code(ws: Workspace, cn: str, responsive: bool | None = True, privilege: Privilege = Privilege.not_privileged,
         redactions: list[RedactionSpan] | None = None, stage: Stage = Stage.first_pass) -> None:
    n = next(_ann)
    ws.store.add_decisions([ReviewDecision(
        control_number=cn, stage=stage, reviewer="r@lpo", decided_at=datetime(2026, 1, 1, tzinfo=UTC),
        responsive=responsive, privilege=privilege, redactions=redactions or [], site="s", project_id=1,
        task_id=n, annotation_id=n)])


def redaction(text: str, needle: str) -> RedactionSpan:
    i = text.index(needle)
    return RedactionSpan(start=i, end=i + len(needle), reason="privileged", text=needle)


def delivered_text(out: Path) -> str:
    """Everything a recipient can read: text of every produced PDF, and every other file's bytes."""
    parts = []
    for p in sorted(out.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".pdf":
            pdf = pdfium.PdfDocument(p)
            parts.append(" ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))))
            pdf.close()
        parts.append(p.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def volumes(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


# ---------------------------------------------------------------- examples

def test_privileged_attachment_is_slip_sheeted_and_the_family_kept(tmp_path):
    ws = new_matter(tmp_path / "m")
    add_doc(ws, 1, "Parent email about the plan.")
    add_doc(ws, 2, "Attachment: PANGOLIN advice of counsel.", family=1)
    add_doc(ws, 3, "Attachment: the plan itself.", family=1)
    code(ws, "ACME-000001")
    code(ws, "ACME-000002", privilege=Privilege.attorney_client)
    code(ws, "ACME-000003", responsive=False)
    r = produce_matter(ws, tmp_path / "out", workers=1)
    vol = Path(r["path"])
    rows = read_dat(vol / "DATA" / "ACME001.dat")
    assert len(rows) == 3 and r["pages"] == len(read_opt(vol / "DATA" / "ACME001.opt"))
    assert {row["BEGATTACH"] for row in rows} == {"ACME00000001"}
    assert {row["ENDATTACH"] for row in rows} == {rows[-1]["ENDBATES"]}, "the family's range covers the slip sheets"
    slip = rows[1]
    assert slip["FILENAME"] == "" and slip["NATIVEPATH"] == "" and slip["CUSTODIAN"] == "Jane Roe"
    assert "PANGOLIN" not in delivered_text(vol)
    assert "DOCUMENT WITHHELD FOR PRIVILEGE" in delivered_text(vol / "IMAGES")
    assert "DOCUMENT WITHHELD AS NON-RESPONSIVE" in delivered_text(vol / "IMAGES")
    log = read_privlog(vol / "privilege_log.csv")
    assert [(e["Bates"], e["Control Number"], e["Treatment"]) for e in log] == \
        [(slip["BEGBATES"], "ACME-000002", "Withheld (slip sheet)")]
    assert [pd.control_number for pd in ws.store.production_documents()] == ["ACME-000001"]
    manifest = json.loads((vol / "manifest.json").read_text())
    assert manifest["bates"] == {"begin": "ACME00000001", "end": rows[-1]["ENDBATES"]}
    assert manifest["counts"]["privilege_slip_sheets"] == 1 and manifest["counts"]["nonresponsive_slip_sheets"] == 1
    assert manifest["counts"]["files"] == len(manifest["files"])


def test_nonresponsive_members_produced_when_the_protocol_says_so(tmp_path):
    ws = new_matter(tmp_path / "m", nonresponsive_family_members="produce")
    add_doc(ws, 1, "Parent.")
    add_doc(ws, 2, "Attachment, not responsive but part of the family.", family=1)
    code(ws, "ACME-000001")
    code(ws, "ACME-000002", responsive=False)
    r = produce_matter(ws, tmp_path / "out", workers=1)
    assert [pd.control_number for pd in ws.store.production_documents()] == ["ACME-000001", "ACME-000002"]
    assert "part of the family" in delivered_text(Path(r["path"]) / "TEXT")


def test_duplicates_held_families_and_all_custodians(tmp_path):
    ws = new_matter(tmp_path / "m")
    add_doc(ws, 1, "Master memo.", custodians=["Jane Roe", "John Doe"])
    add_doc(ws, 2, "Master memo.", custodian="John Doe", duplicate_of="ACME-000001")
    add_doc(ws, 3, "Waiting parent.")
    add_doc(ws, 4, "Uncoded attachment.", family=3)
    add_doc(ws, 5, "Partially privileged, spans not marked.")
    code(ws, "ACME-000001")
    code(ws, "ACME-000003")
    code(ws, "ACME-000005", privilege=Privilege.partial)
    r = produce_matter(ws, tmp_path / "out", workers=1)
    assert [pd.control_number for pd in ws.store.production_documents()] == ["ACME-000001"]
    assert set(r["held"]) == {"ACME-000003", "ACME-000004", "ACME-000005"}
    assert r["held_for_redaction"] == ["ACME-000005"]
    row = read_dat(Path(r["path"]) / "DATA" / "ACME001.dat")[0]
    assert (row["CUSTODIAN"], row["ALLCUSTODIANS"]) == ("Jane Roe", "Jane Roe; John Doe")


def test_second_run_continues_bates_and_logs_nothing_twice(tmp_path):
    ws = new_matter(tmp_path / "m")
    add_doc(ws, 1, "First responsive.")
    add_doc(ws, 2, "Withheld alone: WOMBAT advice.")
    code(ws, "ACME-000001")
    code(ws, "ACME-000002", privilege=Privilege.work_product)
    first = produce_matter(ws, tmp_path / "out", workers=1)
    assert first["withheld"] == 1
    add_doc(ws, 3, "Later responsive.")
    code(ws, "ACME-000003")
    second = produce_matter(ws, tmp_path / "out", workers=1)
    assert second["volumes"] == ["ACME002"] and second["withheld"] == 0
    assert second["begin_bates"] == f"ACME{int(first['end_bates'][4:]) + 1:08d}"
    assert [pd.control_number for pd in ws.store.production_documents()] == ["ACME-000001", "ACME-000003"]


def test_size_cap_makes_volumes_without_splitting_families(tmp_path):
    ws = new_matter(tmp_path / "m", volume_max_mb=0.06)
    for fam in range(3):
        add_doc(ws, fam * 10 + 1, f"Parent {fam}. " + "words " * 500)
        add_doc(ws, fam * 10 + 2, f"Attachment of {fam}.", family=fam * 10 + 1)
        code(ws, f"ACME-{fam * 10 + 1:06d}")
        code(ws, f"ACME-{fam * 10 + 2:06d}")
    r = produce_matter(ws, tmp_path / "out", workers=1)
    assert len(r["volumes"]) >= 2
    numbers = []
    for vol in volumes(tmp_path / "out"):
        rows = read_dat(vol / "DATA" / f"{vol.name}.dat")
        assert len(rows) % 2 == 0 and len({row["BEGATTACH"] for row in rows}) == len(rows) // 2
        numbers += [int(line[0][4:]) for line in read_opt(vol / "DATA" / f"{vol.name}.opt")]
    assert numbers == list(range(1, len(numbers) + 1))


def test_verify_production_command(tmp_path):
    ws = new_matter(tmp_path / "m")
    add_doc(ws, 1, "Responsive memo.")
    code(ws, "ACME-000001")
    out = tmp_path / "out"
    produce_matter(ws, out, workers=1)
    ok = CliRunner().invoke(app, ["verify-production", str(out)])
    assert ok.exit_code == 0, ok.output
    assert "ACME001" in ok.output and "ok" in ok.output
    vol = volumes(out)[0]
    text = next((vol / "TEXT").rglob("*.txt"))
    text.write_text("altered", encoding="utf-8")
    (vol / "NATIVES" / "extra.bin").write_bytes(b"x")
    next((vol / "IMAGES").rglob("*.pdf")).unlink()
    bad = CliRunner().invoke(app, ["verify-production", str(vol)])
    assert bad.exit_code == 1
    flat = " ".join(bad.output.split())
    assert "altered" in flat and "extra.bin: present but not in the manifest" in flat
    assert "listed in the manifest but missing" in flat and "is not in the volume" in flat
    assert [c.ok for c in verify_production(out)] == [False]


def test_draft_privilege_log_command(tmp_path):
    from lpo.production.privlog import read_privlog_xlsx
    ws = new_matter(tmp_path / "m")
    add_doc(ws, 1, "Advice: OKAPI.")
    code(ws, "ACME-000001", privilege=Privilege.attorney_client)
    r = CliRunner().invoke(app, ["privilege-log", str(tmp_path / "m"), "--out", str(tmp_path / "draft.xlsx")])
    assert r.exit_code == 0, r.output
    rows = read_privlog_xlsx(tmp_path / "draft.xlsx")
    assert [(row["Bates"], row["Control Number"]) for row in rows] == [("", "ACME-000001")]
    assert "OKAPI" not in json.dumps(rows)


# ---------------------------------------------------------------- property: random matters

# Responsive weighs more, so that most families are produced and their other members exercised.
CODINGS = ["uncoded", "nonresponsive", "responsive", "responsive", "responsive", "responsive", "attorney_client",
           "work_product", "partial", "partial_nospan"]

family_st = st.lists(st.sampled_from(CODINGS), min_size=1, max_size=4)   # parent, then attachments
matter_st = st.fixed_dictionaries({
    "families": st.lists(st.tuples(family_st, st.booleans()), min_size=1, max_size=6),  # (codings, top is a dup)
    "cap": st.sampled_from([None, 0.001]),
    "nonresponsive": st.sampled_from(["slip_sheet", "produce"]),
    "qa_overturns": st.lists(st.integers(0, 30), max_size=3),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=matter_st)
def test_random_matters_never_leak_privilege_split_families_or_skip_bates(spec):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        ws = new_matter(root / "m", volume_max_mb=spec["cap"], nonresponsive_family_members=spec["nonresponsive"])
        seq = 0
        family_of: dict[str, str] = {}
        masters: list[str] = []
        for codings, dup in spec["families"]:
            top = None
            for i, coding in enumerate(codings):
                seq += 1
                cn = f"ACME-{seq:06d}"
                if i == 0 and dup and masters:
                    # an exact duplicate of an earlier top-level document: never routed, takes its coding
                    add_doc(ws, seq, f"Duplicate of {masters[0]}.", duplicate_of=masters[0])
                    top = cn
                    family_of[cn] = cn
                    continue
                text = f"Document {cn}. Public words here. SECRET{seq:04d}X private words. REDACT{seq:04d}Y tail."
                add_doc(ws, seq, text, family=None if i == 0 else int(top[5:]))
                top = top or cn
                family_of[cn] = top
                if i == 0:
                    masters.append(cn)
                if coding == "uncoded":
                    continue
                responsive = coding != "nonresponsive"
                privilege = {"attorney_client": Privilege.attorney_client, "work_product": Privilege.work_product,
                             "partial": Privilege.partial, "partial_nospan": Privilege.partial}.get(
                                 coding, Privilege.not_privileged)
                spans = [redaction(text, f"REDACT{seq:04d}Y")] if coding == "partial" else []
                code(ws, cn, responsive=responsive, privilege=privilege, redactions=spans)
        # The attorney overturns a few first-pass calls to privileged: the final call is QA's.
        for k in spec["qa_overturns"]:
            if 1 <= k <= seq and ws.store.latest_decisions(Stage.first_pass).get(f"ACME-{k:06d}"):
                code(ws, f"ACME-{k:06d}", privilege=Privilege.attorney_client, stage=Stage.qa)

        out = root / "out"
        produce_matter(ws, out, workers=1)
        final = ws.store.final_decisions()
        docs = {d.control_number: d for d in ws.store.documents()}

        def final_of(cn: str):
            d = final.get(cn)
            return d if d is not None or docs[cn].duplicate_of is None else final.get(docs[cn].duplicate_of)

        delivered = delivered_text(out) if out.exists() else ""
        for cn in docs:
            dec = final_of(cn)
            seqn = int(cn[5:])
            if dec is not None and dec.privilege.withheld:
                assert f"SECRET{seqn:04d}X" not in delivered, f"{cn}: privileged content delivered"
            if dec is not None and dec.redactions:
                assert f"REDACT{seqn:04d}Y" not in delivered, f"{cn}: redacted content delivered"
        produced = ws.store.production_documents()
        event(f"volumes: {len(volumes(out)) if out.exists() else 0}")
        event(f"slip sheets: {'yes' if 'DOCUMENT WITHHELD' in delivered else 'no'}")
        for pd in produced:
            assert not final_of(pd.control_number).privilege.withheld

        numbers: list[int] = []
        seen_families: set[str] = set()
        for vol in (volumes(out) if out.exists() else []):
            rows = read_dat(vol / "DATA" / f"{vol.name}.dat")
            opt = read_opt(vol / "DATA" / f"{vol.name}.opt")
            numbers += [int(line[0][4:]) for line in opt]
            assert sum(1 for line in opt if line[3] == "Y") == len(rows)
            # Each family: its rows adjacent, all of its members there, in one volume only.
            ranges = [(row["BEGATTACH"], row["ENDATTACH"]) for row in rows]
            for rng in set(ranges):
                idx = [i for i, x in enumerate(ranges) if x == rng]
                assert idx == list(range(idx[0], idx[-1] + 1)), "family rows not together"
            for pd in (p for p in produced if p.production == vol.name):
                fid = family_of[pd.control_number]
                assert fid not in seen_families or pd.beg_attach in {r[0] for r in ranges}
                members = [c for c, f in family_of.items() if f == fid]
                assert ranges.count((pd.beg_attach, pd.end_attach)) == len(members), \
                    f"{pd.control_number}: family {fid} split ({len(members)} members)"
            seen_families.update(family_of[pd.control_number] for pd in produced if pd.production == vol.name)
        assert numbers == list(range(1, len(numbers) + 1)), "Bates numbers contiguous from the start"
        assert all(c.ok for c in verify_production(out)) if out.exists() else True
