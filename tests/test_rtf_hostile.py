"""Damaged RTF that sent striprtf's regexes into quadratic (or worse) backtracking, ~20 s for 32 KB,
comes back as a document with its text; defuse_rtf leaves well-formed RTF byte for byte as it was.

Sizes are 64 KB: each of these inputs took seconds to minutes before the pre-pass. Content is
asserted, not time: a regression shows as the worker pool's timeout in the fuzz bench (bench/fuzz.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lpo.content import ContentStore
from lpo.fuzz.seeds import rtf_seeds
from lpo.ingest import catalog, extract_file
from lpo.ingest.office import RTF_PICT, RtfIngestor, _drop_groups, defuse_rtf

catalog.load()

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
SIZE = 64 * 1024


def fill(unit: str, n: int = SIZE) -> str:
    return unit * (n // len(unit) + 1)


HOSTILE = {
    # '}' of the font table lost: the whole body used to be read as font names
    "unclosed-fonttbl": (r"{\rtf1\ansi{\fonttbl{\f0\fcharset204 Arial;}{\colortbl;\red0\green0\blue0;}"
                         r"\pard\f0 \'cf\'f0\'e8\'ea\'e0\'e7 " + fill("the parties agree ") + r"\par}",
                         ["Приказ", "the parties agree the parties agree"]),
    # closed, but no entry ends in ';': striprtf's font pattern retries every split of the line
    "fonttbl-without-semicolons": (r"{\rtf1{\fonttbl" + fill(r"{\f1\fcharset0 Arial}") +
                                   r"}\pard Closing statement of counsel\par}", ["Closing statement of counsel"]),
    # unclosed and no ';' at all, the body after it
    "fonttbl-runaway-entries": (r"{\rtf1{\fonttbl" + fill(r"\f0\fcharset0 x") +
                                r"\pard Visible tail paragraph\par}", ["Visible tail paragraph"]),
    # font numbers without \fcharset: each one scanned to the end of the line
    "fonttbl-no-charset": (r"{\rtf1{\fonttbl" + fill(r"\f1 ") + r"}\pard Exhibit B follows\par}",
                           ["Exhibit B follows"]),
    # many {\field starts on one line, none completed: striprtf's HYPERLINK pattern is cubic
    "field-starts": (r"{\rtf1 Opening words " + fill(r'{\field{\*\fldinst{HYPERLINK "a" ') + "}",
                     ["Opening words"]),
    # one field whose result group never closes, on a long line of words
    "field-unclosed-result": (r'{\rtf1 {\field{\*\fldinst{HYPERLINK "http://example.com/"}}{' +
                              fill(" settlement terms") + "}", ["settlement terms settlement terms"]),
    # the \info title holds a font table without ';' (read by a second striprtf call)
    "title-fonttbl": (r"{\rtf1{\info{\title{\fonttbl\f0\fcharset0 " + "x" * SIZE + r"}}}\pard Body text here\par}",
                      ["Body text here"]),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_rtf_reads_as_a_document(name):
    rtf, expected = HOSTILE[name]
    data = rtf.encode("latin-1")
    assert RtfIngestor.sniff(data)
    text = RtfIngestor().extract(data, f"{name}.rtf").text
    for words in expected:
        assert words in text, f"{name}: {words!r} not in {text[:200]!r}"
    assert "fcharset" not in text and "HYPERLINK" not in text


def test_hostile_rtf_through_extract_file(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rtf, expected = HOSTILE["unclosed-fonttbl"]
    (src / "damaged.rtf").write_bytes(rtf.encode("latin-1"))
    content = ContentStore(tmp_path / "content")
    node = extract_file(content, src, "damaged.rtf").node(content)
    assert node.error_reason is None and node.ingestor == "rtf"
    text = content.read_text(node.text_sha256)
    assert all(words in text for words in expected)


WELL_FORMED = [
    rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman\fcharset0\fprq2{\*\panose 02020603050405020304}"
    rb"Times New Roman{\*\falt Times};}{\f1\fswiss\fcharset204 Arial;}{\f2\fnil Symbol;}}"
    rb"{\colortbl;\red0\green0\blue0;}{\info{\title Memo}}\pard\f1 \'cf\'f0\'e8\f0  and "
    rb'{\field{\*\fldinst{HYPERLINK "http://example.com/"}}{\fldrslt{\ul Example}}}\par}',
    rb"{\rtf1{\fonttbl\f0\fswiss Helvetica;}\f0\pard Inline font table\par}",
    *(data for _, data in rtf_seeds()),
]


@pytest.mark.parametrize("data", WELL_FORMED, ids=range(len(WELL_FORMED)))
def test_well_formed_rtf_is_left_unchanged(data):
    rtf = _drop_groups(data.decode("latin-1"), RTF_PICT)
    assert defuse_rtf(rtf) == rtf


def test_well_formed_link_and_code_page_still_read():
    text = RtfIngestor().extract(WELL_FORMED[0], "memo.rtf").text
    assert "При" in text and "Example" in text and "http://example.com/" in text


@pytest.mark.skipif(not CORPORA.is_dir(), reason="../shared/corpora is absent (it sits beside the repository in CI)")
def test_real_rtf_files_are_left_unchanged():
    files = sorted(CORPORA.rglob("*.rtf"))
    assert files
    for f in files:
        rtf = _drop_groups(f.read_bytes().decode("latin-1"), RTF_PICT)
        assert defuse_rtf(rtf) == rtf, f"defuse_rtf changed {f}"
