"""Load files: the Concordance DAT (metadata) and the Opticon OPT (page images).

Shapes follow Relativity's own import samples (relativity-import-samples,
SampleDataSources/load_file_03.dat and Opticon_01.opt):

DAT
- UTF-8 with a byte-order mark (the samples start with EF BB BF), CRLF line ends;
  `production.dat_encoding: cp1252` writes Windows-1252 without a BOM for older
  Concordance installs (characters it cannot hold become '?');
- a header row of field names, then one row per produced document;
- fields separated by DC4 (0x14), every value qualified by þ (U+00FE) - the
  sample qualifies only some fields; we qualify all, which every reader accepts;
- a newline inside a value is written as ® (U+00AE); a DC4 or þ inside a value
  (never legitimate text, and they would end the field) is written as a space.

OPT
- one line per page: ImageKey,Volume,Path,DocBreak,Folder,Box,Pages; DocBreak
  `Y` and Pages = the page count on a document's first page, blank otherwise;
- ASCII (UTF-8 without BOM), CRLF, like the sample.

Paths in both files are written like the sample's: relative, backslash
separated, beginning with the volume folder, e.g.
`.\\VOL001\\IMAGES\\0001\\ACME00000001.tif`. They resolve against the folder that
*contains* the volume (the delivery root): load with that folder as the import
root. `volume_relative()` turns one back into a path relative to the volume root
(the form used in manifest.json and in ProductionDocument records).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

DELIMITER = "\x14"
QUALIFIER = "\u00fe"
NEWLINE = "\u00ae"
BOM = "\ufeff"
CRLF = "\r\n"

# The standard production fields, in this order (the [Production] issue's list).
DAT_FIELDS = [
    "BEGBATES", "ENDBATES", "BEGATTACH", "ENDATTACH", "CUSTODIAN", "ALLCUSTODIANS",
    "FROM", "TO", "CC", "BCC", "SUBJECT", "DATESENT", "FILENAME", "FILEEXT", "MD5HASH",
    "TEXTPATH", "NATIVEPATH", "CONFIDENTIALITY", "REDACTED",
]
DAT_ENCODINGS = {"utf-8": "utf-8-sig", "cp1252": "cp1252"}

OPT_COLUMNS = ("ImageKey", "Volume", "Path", "DocBreak", "Folder", "Box", "Pages")


class LoadFileError(ValueError):
    pass


def loadfile_path(volume: str, rel: str | PurePosixPath) -> str:
    """`IMAGES/0001/X.tif` in volume VOL001 -> `.\\VOL001\\IMAGES\\0001\\X.tif`."""
    return ".\\" + "\\".join([volume, *PurePosixPath(rel).parts])


def volume_relative(path: str, volume: str) -> str:
    """A load-file path back to a POSIX path relative to the volume root."""
    parts = [p for p in PureWindowsPath(path.replace("/", "\\")).parts if p not in (".", "\\")]
    if parts and parts[0] == volume:
        parts = parts[1:]
    return str(PurePosixPath(*parts)) if parts else ""


def dat_value(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", NEWLINE)
    return text.replace(DELIMITER, " ").replace(QUALIFIER, " ")


def dat_line(values: list[object]) -> str:
    return DELIMITER.join(f"{QUALIFIER}{dat_value(v)}{QUALIFIER}" for v in values)


def write_dat(path: Path, rows: list[dict], fields: list[str] = DAT_FIELDS, encoding: str = "utf-8") -> None:
    unknown = {k for row in rows for k in row} - set(fields)
    if unknown:
        raise LoadFileError(f"DAT rows carry fields not in the header: {sorted(unknown)}")
    if encoding not in DAT_ENCODINGS:
        raise LoadFileError(f"DAT encoding {encoding!r}: use one of {sorted(DAT_ENCODINGS)}")
    lines = [dat_line(list(fields))] + [dat_line([row.get(f) for f in fields]) for row in rows]
    path.write_bytes((CRLF.join(lines) + CRLF).encode(DAT_ENCODINGS[encoding], errors="replace"))


def _parse_dat_line(line: str, delimiter: str, qualifier: str) -> list[str]:
    """Fields of one record; accepts qualified and unqualified values, as in the samples."""
    out: list[str] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == qualifier:
            # Qualified: runs to the next qualifier that is followed by a delimiter or the end.
            j = i + 1
            while True:
                k = line.find(qualifier, j)
                if k == -1:
                    raise LoadFileError(f"unterminated {qualifier!r} in DAT record: {line[:80]!r}")
                if k + 1 == n or line[k + 1] == delimiter:
                    break
                j = k + 1
            out.append(line[i + 1:k])
            i = k + 1
        else:
            k = line.find(delimiter, i)
            k = n if k == -1 else k
            out.append(line[i:k])
            i = k
        if i >= n:
            return out
        i += 1  # the delimiter
        if i == n:
            out.append("")
            return out


def decode(raw: bytes) -> str:
    """A load file's text: UTF-8 (with or without BOM), else Windows-1252 (older Concordance)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def read_dat(path: Path | str, delimiter: str = DELIMITER, qualifier: str = QUALIFIER,
             restore_newlines: bool = True, fields: list[str] | None = None) -> list[dict]:
    """Rows of a DAT as dicts keyed by the header row's field names.

    `fields` names the columns of a DAT that has no header row (some of the
    Relativity samples have none); ® is turned back into a newline unless
    `restore_newlines` is False.
    """
    text = decode(Path(path).read_bytes())
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln != ""]
    if fields is None:
        if not lines:
            raise LoadFileError(f"{path}: empty DAT (no header row)")
        header, lines, first = _parse_dat_line(lines[0], delimiter, qualifier), lines[1:], 2
    else:
        header, first = list(fields), 1
    rows: list[dict] = []
    for number, line in enumerate(lines, start=first):
        values = _parse_dat_line(line, delimiter, qualifier)
        if len(values) != len(header):
            raise LoadFileError(f"{path}: line {number} has {len(values)} fields, the header has {len(header)}")
        if restore_newlines:
            values = [v.replace(NEWLINE, "\n") for v in values]
        rows.append(dict(zip(header, values)))
    return rows


def opt_line(image_key: str, volume: str, path: str, first: bool, pages: int | None) -> str:
    return ",".join([image_key, volume, path, "Y" if first else "", "", "", str(pages) if first and pages else ""])


def write_opt(path: Path, lines: list[str]) -> None:
    path.write_bytes((CRLF.join(lines) + CRLF).encode("utf-8") if lines else b"")


def read_opt(path: Path | str) -> list[tuple[str, str, str, str, str, str, str]]:
    """(ImageKey, Volume, Path, DocBreak, Folder, Box, Pages) per line, as strings."""
    out = []
    text = decode(Path(path).read_bytes())
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if not line:
            continue
        parts = line.split(",")
        if len(parts) < 7:
            raise LoadFileError(f"{path}: line {number} has {len(parts)} fields, Opticon has 7")
        # A comma inside the path: everything between Volume and DocBreak is the path.
        out.append((parts[0], parts[1], ",".join(parts[2:-4]), *parts[-4:]))
    return out
