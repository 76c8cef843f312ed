"""Hostile inputs: valid seed files mutated by Hypothesis strategies, repeatably from a seed.

Each input is a seed file put through one to four mutations drawn by Hypothesis: bit
flips, truncation, byte insertion (random or a token the family's parser treats
specially: a PDF's `obj`, an RTF's `{\\`, a MIME boundary), deletion, a chunk repeated
thousands of times, a splice of two seeds, a length field overwritten with an edge
value, and for zip-based formats a mutation of one member's decompressed bytes
re-zipped (so the XML parser behind the zip sees it, not just the zip's CRC check).
A few inputs are raw bytes with no seed, and some carry another family's extension,
so the choice of parser is fuzzed too. Hypothesis draws small and edge values often
(0, -1, the end of the file), which is where parsers break.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from collections.abc import Iterator

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from lpo.fuzz.seeds import FAMILIES, Seed
from lpo.ingest import catalog

# What Hypothesis draws for a seed was seen to differ with the parsers imported or not (some
# library they import changes its state): import them always, so an input can be reproduced.
catalog.load()

MAX_INPUT = 2 * 1024**2  # bytes: enormous inputs have their own tests; the fuzzer wants many inputs
EDGE_INTS = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, -1)
TOKENS: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"obj", b"endobj", b"stream\n", b"endstream", b"<<", b">>", b"/Length 999999999", b"xref", b"trailer",
            b"/Type /Page", b"/Kids [", b"R", b"/Filter /FlateDecode", b"%%EOF", b"9999999999 0 R", b"(", b")"),
    "rtf": (b"{", b"}", b"\\", b"\\'", b"\\u-1?", b"\\u99999999?", b"{\\*", b"\\bin999999 ", b"\\pict", b"\\par",
            b"\\ansicpg99999", b"\\fcharset255", b"\\uc0", b"{\\field{\\*\\fldinst"),
    "html": (b"<", b">", b"</", b"<script>", b"<!--", b"-->", b"<![CDATA[", b"&#x110000;", b"&#0;", b"<table>",
             b"<meta charset=utf-16>", b"<meta charset=bogus>", b"<svg>", b"<div>" * 50, b"\x00"),
    "csv": (b'"', b",", b";", b"\t", b"\r", b"\n", b'"""', b"\x00", b"\xff\xfe", b"=cmd|'/c calc'!A1"),
    "text": (b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\xc3", b"\xe2\x80", b"\xed\xa0\x80", b"\x1b[31m",
             b"\r", b"\xf4\x90\x80\x80"),
    "eml": (b"\r\n", b"\r\n\r\n", b"--=_boundary0", b"--=_boundary0--", b"Content-Type: multipart/mixed; boundary=",
            b"=?utf-8?b?", b"=?bogus?q?=FF?=", b"Content-Transfer-Encoding: base64\r\n", b"charset=utf-16",
            b"Content-Disposition: attachment; filename=", b"message/rfc822", b"=\r\n", b"From: ", b"Date: 99 Foo"),
    "zip": (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07", b"../", b"\\..\\"),
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xfe\xff\xff\xff", b"\xff\xff\xff\xff", b"\xfd\xff\xff\xff",
            b"__substg1.0_".decode().encode("utf-16-le")),
    "image": (b"\x89PNG\r\n\x1a\n", b"IHDR", b"IDAT", b"IEND", b"II*\x00", b"\xff\xd8", b"\xff\xc0", b"GIF89a",
              b"BM", b"\xff\xff\xff\x7f"),
}
FAMILY_TOKENS = {"pdf": ("pdf",), "office": ("zip",), "legacy": ("ole",), "rtf": ("rtf",), "html": ("html",),
                 "csv": ("csv", "text"), "text": ("text",), "eml": ("eml", "html"), "mbox": ("eml",),
                 "msg": ("ole",), "zip": ("zip",), "image": ("image",)}
OTHER_NAMES = ("x.txt", "x.pdf", "x.zip", "x.eml", "x.html", "x.csv", "x.doc", "x.msg", "noextension", "x.png")


class Seeds(list):
    """Seed files with a short repr: Hypothesis prints a strategy's arguments in its reports."""

    def __repr__(self) -> str:
        return f"<{len(self)} seed files: {', '.join(n for n, _ in self)}>"


def tokens_for(family: str) -> tuple[bytes, ...]:
    return tuple(t for group in FAMILY_TOKENS.get(family, ()) for t in TOKENS[group]) or (b"\x00",)


@st.composite
def byte_mutation(draw, data: bytes, seeds: list[Seed], tokens: tuple[bytes, ...]) -> bytes:
    """One mutation of `data`; never longer than MAX_INPUT."""
    n = len(data)
    pos = draw(st.integers(0, n))
    op = draw(st.sampled_from(("flip", "flip", "truncate", "insert", "token", "token", "delete", "repeat",
                               "splice", "edge_int")))
    if op == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            if out:
                i = draw(st.integers(0, len(out) - 1))
                out[i] ^= 1 << draw(st.integers(0, 7))
        return bytes(out)
    if op == "truncate":
        return data[:pos]
    if op == "insert":
        return data[:pos] + draw(st.binary(min_size=1, max_size=64)) + data[pos:]
    if op == "token":
        return data[:pos] + draw(st.sampled_from(tokens)) * draw(st.sampled_from((1, 1, 1, 2, 100))) + data[pos:]
    if op == "delete":
        return data[:pos] + data[pos + draw(st.integers(1, 4096)):]
    if op == "repeat":
        chunk = data[pos:pos + draw(st.integers(1, 256))] or b"A"
        times = draw(st.sampled_from((2, 10, 1000, 100_000)))
        times = max(1, min(times, (MAX_INPUT - n) // len(chunk)))
        return data[:pos] + chunk * times + data[pos:]
    if op == "splice":
        _, other = draw(st.sampled_from(seeds))
        return data[:pos] + other[draw(st.integers(0, len(other))):]
    value = draw(st.sampled_from(EDGE_INTS))  # a length or count field set to an edge value
    width, order = draw(st.sampled_from(((1, "<"), (2, "<"), (4, "<"), (4, ">"), (8, "<"))))
    packed = struct.pack(order + {1: "B", 2: "H", 4: "I", 8: "Q"}[width], value % (1 << (8 * width)))
    return data[:pos] + packed + data[pos + width:]


def _rezip(data: bytes, member: str, body: bytes) -> bytes | None:
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for info in src.infolist():
                z.writestr(info, body if info.filename == member else src.read(info), info.compress_type)
        return buf.getvalue()
    except Exception:  # noqa: BLE001  a zip already mutated past reading: leave it to byte mutations
        return None


@st.composite
def member_mutation(draw, data: bytes, seeds: list[Seed], tokens: tuple[bytes, ...]) -> bytes:
    """Mutate one member of a zip-based file (a .docx's word/document.xml) and zip it again."""
    try:
        names = [i.filename for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if not i.is_dir()]
    except Exception:  # noqa: BLE001
        names = []
    if not names:
        return draw(byte_mutation(data, seeds, tokens))
    member = draw(st.sampled_from(names))
    try:
        body = zipfile.ZipFile(io.BytesIO(data)).read(member)
    except Exception:  # noqa: BLE001  already damaged by an earlier mutation
        return draw(byte_mutation(data, seeds, tokens))
    xml_tokens = tokens + (b"<", b">", b"</w:t>", b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">]>", b"&a;", b"\x00",
                           b'<?xml version="1.0" encoding="utf-16"?>', b"999999999")
    for _ in range(draw(st.integers(1, 3))):
        body = draw(byte_mutation(body, seeds, xml_tokens))
    return _rezip(data, member, body) or data


@st.composite
def hostile_input(draw, family: str, seeds: list[Seed]) -> Seed:
    """A file name and bytes: a mutated seed of `family` (or, rarely, raw bytes)."""
    tokens = tokens_for(family)
    name, data = draw(st.sampled_from(seeds))
    if draw(st.integers(0, 49)) == 0:
        data = draw(st.binary(max_size=4096))
    else:
        for _ in range(draw(st.integers(1, 4))):
            zipped = data[:4] == b"PK\x03\x04" and family in ("office", "zip")
            if zipped and draw(st.booleans()):
                data = draw(member_mutation(data, seeds, tokens))
            else:
                data = draw(byte_mutation(data, seeds, tokens))
    if draw(st.integers(0, 19)) == 0:
        name = draw(st.sampled_from(OTHER_NAMES))
    return name, data[:MAX_INPUT]


def generate(family: str, count: int, seed: int = 0, batch: int = 250) -> Iterator[list[Seed]]:
    """`count` distinct hostile inputs of `family` in batches, the same ones for the same seed.
    Hypothesis draws some examples twice (its simplest ones especially): repeats are dropped."""
    seeds = Seeds(FAMILIES[family]())
    if not seeds:
        return
    strategy = hostile_input(family, seeds)
    seen: set[bytes] = set()
    done, round_, dry = 0, 0, 0
    while done < count and dry < 20:
        want, out = min(batch, count - done), []

        @settings(max_examples=want * 2, database=None, phases=[Phase.generate], deadline=None,
                  suppress_health_check=list(HealthCheck))
        @hypothesis_seed(seed * 1_000_003 + round_)
        @given(strategy)
        def collect(example: Seed) -> None:  # noqa: B023  called right here, in this iteration
            key = hashlib.sha1(example[0].encode() + b"\0" + example[1]).digest()
            if len(out) < want and key not in seen:
                seen.add(key)
                out.append(example)

        collect()
        round_ += 1
        dry = 0 if out else dry + 1
        done += len(out)
        if out:
            yield out
