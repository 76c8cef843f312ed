"""The password bank for ../shared/corpora, as its README lists it.

pdf.js test files carry their passwords in pdf/pdfjs/test_manifest.json ("password");
the others are named in the README: pdfminer.six encryption/* use "foo" and
aes-256-r6.pdf "usersecret", pdfplumber password-example.pdf "test", py-pdf sample
005 "openpassword".

    python -m bench.corpora_passwords [CORPORA] > passwords.txt   # then lpo ingest ... --passwords passwords.txt
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
README_PASSWORDS = ["foo", "usersecret", "test", "openpassword"]


def corpora_passwords(corpora: Path = CORPORA) -> list[str]:
    """Every password, once, in a stable order: the README's, then the pdf.js manifest's."""
    bank = list(README_PASSWORDS)
    manifest = corpora / "pdf" / "pdfjs" / "test_manifest.json"
    if manifest.exists():
        bank += [e["password"] for e in json.loads(manifest.read_text(encoding="utf-8")) if e.get("password")]
    return list(dict.fromkeys(bank))


def write_bank(path: Path, corpora: Path = CORPORA) -> Path:
    path.write_text("".join(f"{p}\n" for p in corpora_passwords(corpora)), encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.stdout.write("".join(f"{p}\n" for p in corpora_passwords(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPORA)))
