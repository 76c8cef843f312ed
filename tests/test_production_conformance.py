"""Conformance: our DAT and OPT against Relativity's own sample load files.

The same parser (lpo.production.loadfiles.read_dat / read_opt, with their
defaults) reads Relativity's samples in ../shared/corpora/loadfiles and our
files; the tests compare what matters to an import: encoding and BOM,
delimiter and qualifier, line ends, path shape, OPT columns and document breaks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lpo.matter import ProductionConfig
from lpo.production import produce_volume, read_dat, read_opt
from lpo.production.loadfiles import DAT_FIELDS, DELIMITER, QUALIFIER
from tests.test_production import CONFIG, build_corpus

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "loadfiles" / \
    "relativity-import-samples" / "SampleDataSources"

# Relativity's DC4/þ samples have no header row; their columns are load_file_01.dat's header.
CONCORDANCE_SAMPLES = ["load_file_03.dat", *(f"load_file_07_{i}.dat" for i in range(8))]


@pytest.fixture(scope="module")
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"Relativity's sample load files are not present ({SAMPLES}); "
                    f"they come with ../shared/corpora in CI")
    return SAMPLES


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    corpus = build_corpus(tmp_path_factory.mktemp("conformance"))
    return produce_volume(corpus["items"], corpus["withheld"], corpus["out"], CONFIG, "VOL001", 1,
                          workers=1, dpi=100)


def sample_fields(samples: Path) -> list[str]:
    return list(read_dat(samples / "load_file_01.dat", delimiter="|", qualifier="\x00")[0])


def lines_of(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n")
    return raw[:-2].split(b"\r\n")


@pytest.mark.corpora
def test_relativity_concordance_samples_parse_with_our_reader(samples):
    fields = sample_fields(samples)
    for name in CONCORDANCE_SAMPLES:
        rows = read_dat(samples / name, fields=fields)   # DC4 and þ: read_dat's defaults
        assert rows, name
        for row in rows:
            assert row["Control Number"].startswith("Sample_"), name
            assert row["Extracted Text"].startswith(".\\VOL01\\TEXT\\"), name
    header = read_dat(samples / "rdo_load_file_01.dat")
    assert list(header[0]) == ["Name", "Artifact ID", "Domains (Email BCC)", "Domains (Email CC)",
                               "Domains (Email From)", "Domains (Email To)"]


@pytest.mark.corpora
def test_dat_bytes_are_shaped_like_relativitys(samples, ours):
    theirs = (samples / "load_file_03.dat").read_bytes()
    mine = ours.paths.dat.read_bytes()
    bom = b"\xef\xbb\xbf"
    assert theirs.startswith(bom) and mine.startswith(bom), "UTF-8 with a byte-order mark, as theirs"
    assert b"\r\n" in theirs and mine.endswith(b"\r\n") and b"\n" not in mine.replace(b"\r\n", b""), "CRLF"
    for data in (theirs, mine):
        text = data.decode("utf-8-sig")
        assert DELIMITER in text and QUALIFIER in text, "DC4 between fields, þ around values"
        first = text.split("\r\n")[0]
        assert first.startswith(QUALIFIER) and first.split(DELIMITER)[0].endswith(QUALIFIER)
    rows = read_dat(ours.paths.dat)
    assert list(rows[0]) == DAT_FIELDS
    assert len(rows) == len(ours.documents)


@pytest.mark.corpora
def test_dat_paths_are_shaped_like_relativitys(samples, ours):
    theirs = read_dat(samples / "load_file_03.dat", fields=sample_fields(samples))[0]["Extracted Text"]
    mine = read_dat(ours.paths.dat)[0]["TEXTPATH"]
    for path, volume in ((theirs, "VOL01"), (mine, "VOL001")):
        assert path.startswith(f".\\{volume}\\TEXT\\") and "/" not in path and path.endswith(".txt")


@pytest.mark.corpora
def test_opt_is_shaped_like_relativitys(samples, ours):
    for name in ("Opticon_01.opt", "opticon_02.opt"):
        theirs = read_opt(samples / name)
        assert all(len(line) == 7 for line in theirs)
        assert theirs[0][3] == "Y" and theirs[0][6] == str(len(theirs)), "doc break and page count on page one"
        assert all(line[3] == "" and line[6] == "" for line in theirs[1:])
        assert not (samples / name).read_bytes().startswith(b"\xef\xbb\xbf")
        assert all(line[2].startswith(".\\VOL01\\IMAGES\\") for line in theirs)
    lines_of(samples / "Opticon_01.opt")   # CRLF, as ours
    mine = read_opt(ours.paths.opt)
    assert not ours.paths.opt.read_bytes().startswith(b"\xef\xbb\xbf"), "no BOM, as theirs"
    assert len(lines_of(ours.paths.opt)) == len(mine) == ours.production.pages
    i = 0
    for d in ours.documents:
        first = mine[i]
        assert (first[0], first[1], first[3], first[4], first[5], first[6]) == \
            (d.beg_bates, "VOL001", "Y", "", "", str(d.pages)), "document break as theirs"
        assert all(line[3] == "" and line[6] == "" for line in mine[i + 1:i + d.pages])
        assert all(line[2].startswith(".\\VOL001\\IMAGES\\") and line[2].endswith(".tif")
                   for line in mine[i:i + d.pages])
        i += d.pages


def test_cp1252_dat_option(tmp_path):
    corpus = build_corpus(tmp_path)
    config = ProductionConfig(prefix="ACME", dat_encoding="cp1252")
    result = produce_volume(corpus["items"][2:4], [], corpus["out"], config, "VOL001", 1, workers=1, dpi=100)
    raw = result.paths.dat.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\xfe\x14\xfe" in raw, "þ is 0xFE in Windows-1252"
    raw.decode("cp1252")
    assert list(read_dat(result.paths.dat)[0]) == DAT_FIELDS
