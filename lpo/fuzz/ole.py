"""A minimal OLE2 compound-file writer, for seed .msg files.

No library writes Outlook .msg files, and the fuzzer needs valid ones to mutate: an .msg
is an OLE2 file of MAPI property streams, which this writes (version 3, 512-byte sectors,
streams under 4096 bytes in the mini stream, as the format requires).
"""

from __future__ import annotations

import itertools
import struct
import zlib

MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

Tree = dict[str, "bytes | Tree"]


def _pad(data: bytes, size: int) -> bytes:
    return data + b"\0" * (-len(data) % size)


def _sectors(n: int, size: int) -> int:
    return -(-n // size)


class _Entry:
    def __init__(self, name: str, kind: int, data: bytes = b""):
        self.name, self.kind, self.data = name, kind, data
        self.left = self.right = self.child = NOSTREAM
        self.start, self.size = END, len(data)

    def pack(self) -> bytes:
        raw = self.name.encode("utf-16-le")[:62] + b"\0\0"
        return struct.pack("<64sHBBIII16sIQQIQ", raw, len(raw), self.kind, 1, self.left, self.right, self.child,
                           b"\0" * 16, 0, 0, 0, self.start & 0xFFFFFFFF, self.size)


def _key(name: str) -> tuple[int, str]:
    return len(name), name.upper()  # the order OLE2 sorts siblings in


def ole_file(tree: Tree) -> bytes:
    """An OLE2 file holding `tree`: names to bytes (streams) or to dicts (storages)."""
    entries = [_Entry("Root Entry", 5)]

    def add(parent: _Entry, items: Tree) -> None:
        kids = []
        for name in sorted(items, key=_key):
            value = items[name]
            e = _Entry(name, 1) if isinstance(value, dict) else _Entry(name, 2, value)
            entries.append(e)
            kids.append(len(entries) - 1)
            if isinstance(value, dict):
                add(e, value)
        # A right-leaning chain: a valid (unbalanced) tree that readers walk the same way.
        for a, b in itertools.pairwise(kids):
            entries[a].right = b
        parent.child = kids[0] if kids else NOSTREAM

    add(entries[0], tree)
    small = [e for e in entries if e.kind == 2 and e.size < CUTOFF]
    big = [e for e in entries if e.kind == 2 and e.size >= CUTOFF]
    mini, minifat = b"", []
    for e in small:
        if not e.size:
            continue
        e.start = len(mini) // MINI
        n = _sectors(e.size, MINI)
        minifat += [e.start + i + 1 for i in range(n - 1)] + [END]
        mini += _pad(e.data, MINI)
    n_dir = _sectors(len(entries) * 128, SECTOR)
    n_minifat = _sectors(len(minifat) * 4, SECTOR)
    n_mini = _sectors(len(mini), SECTOR)
    n_big = sum(_sectors(e.size, SECTOR) for e in big)
    n_fat = 1
    while n_fat * SECTOR // 4 < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("ole_file writes files of up to about 6 MB (no DIFAT sectors)")
    fat = [FATSECT] * n_fat

    def chain(n: int) -> int:
        start = len(fat)
        fat.extend([start + i + 1 for i in range(n - 1)] + [END] if n else [])
        return start if n else END

    dir_start = chain(n_dir)
    minifat_start = chain(n_minifat)
    entries[0].start, entries[0].size = chain(n_mini), len(mini)
    body = b""
    for e in big:
        e.start = chain(_sectors(e.size, SECTOR))
        body += _pad(e.data, SECTOR)
    fat += [FREE] * (n_fat * SECTOR // 4 - len(fat))
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", MAGIC, b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, n_fat,
                         dir_start, 0, CUTOFF, minifat_start if n_minifat else END, n_minifat, END, 0)
    header += struct.pack("<109I", *(list(range(n_fat)) + [FREE] * (109 - n_fat)))
    directory = b"".join(e.pack() for e in entries)
    return (header + struct.pack(f"<{len(fat)}I", *fat) + _pad(directory, SECTOR)
            + _pad(struct.pack(f"<{len(minifat)}I", *minifat), SECTOR) + _pad(mini, SECTOR) + body)


# ---- Outlook .msg --------------------------------------------------------------------------------

def _u(text: str) -> bytes:
    return text.encode("utf-16-le") + b"\0\0"


def _props(entries: list[tuple[int, int]], header: bytes) -> bytes:
    """A __properties_version1.0 stream: fixed-size properties (tag, flags, value)."""
    return header + b"".join(struct.pack("<IIQ", tag, 6, value) for tag, value in entries)


def msg_file(subject: str, body: str, sender: str, to: list[tuple[str, str]],
             attachments: list[tuple[str, bytes]] = (), html: str | None = None) -> bytes:
    """An Outlook .msg email (IPM.Note) with Unicode string properties, recipients and attachments."""
    tree: Tree = {
        "__substg1.0_001A001F": _u("IPM.Note"),
        "__substg1.0_0037001F": _u(subject),
        "__substg1.0_1000001F": _u(body),
        "__substg1.0_0C1A001F": _u(sender.split("<")[0].strip()),
        "__substg1.0_0C1F001F": _u(sender.split("<")[-1].rstrip(">")),
        "__substg1.0_0E04001F": _u("; ".join(n for n, _ in to)),
        "__substg1.0_1035001F": _u(f"<{zlib.crc32(subject.encode()):08x}@acme.example>"),
        "__nameid_version1.0": {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"",
                                "__substg1.0_00040102": b""},
    }
    if html is not None:
        tree["__substg1.0_10130102"] = html.encode("utf-8")
    for i, (name, addr) in enumerate(to):
        tree[f"__recip_version1.0_#{i:08X}"] = {
            "__substg1.0_3001001F": _u(name), "__substg1.0_39FE001F": _u(addr), "__substg1.0_3003001F": _u(addr),
            "__properties_version1.0": _props([(0x0C150003, 1)], b"\0" * 8)}
    for i, (fname, data) in enumerate(attachments):
        tree[f"__attach_version1.0_#{i:08X}"] = {
            "__substg1.0_3707001F": _u(fname), "__substg1.0_3704001F": _u(fname[:8]),
            "__substg1.0_37010102": data,
            "__properties_version1.0": _props([(0x37050003, 1), (0x0E200003, len(data))], b"\0" * 8)}
    # Message flags, PR_MESSAGE_CODEPAGE (65001), and a PR_CLIENT_SUBMIT_TIME (FILETIME of 2023-04-15).
    top = struct.pack("<8sIIII8s", b"\0" * 8, len(to), len(attachments), len(to), len(attachments), b"\0" * 8)
    tree["__properties_version1.0"] = _props([(0x0E070003, 1), (0x3FFD0003, 65001)], top) + struct.pack(
        "<IIQ", 0x00390040, 6, 133259598000000000)
    return ole_file(tree)
