"""The privilege log: one row per document withheld or redacted (FRCP 26(b)(5)(A)).

Rule 26(b)(5)(A) asks the withholding party to "describe the nature of the
documents ... in a manner that, without revealing information itself privileged
or protected, will enable other parties to assess the claim". Each row gives the
Bates number (the slip sheet's for a withheld family member, the produced range
for a redacted document; none for a document withheld with its whole family) and
the control number, date, type, author, recipients,
a description, the privilege claimed and its basis.

Privilege-safe by construction: the description is built from the document type,
the privilege and the issue descriptions of the protocol; never from the subject,
the file name, the text or the reviewer's free-text note, any of which may quote
the advice itself. Attorneys review the draft (`lpo privilege-log`) before the
production is delivered and edit the XLSX if a description needs more.

Written as CSV (UTF-8 with a byte-order mark so Excel reads it as UTF-8, CRLF)
and as XLSX (one sheet, header frozen, filters on).
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

from lpo.models import Document, Privilege, ReviewDecision

CSV_NAME = "privilege_log.csv"
XLSX_NAME = "privilege_log.xlsx"

PRIVLOG_COLUMNS = [
    "Bates", "Control Number", "Treatment", "Date", "Document Type", "Author", "Recipients", "CC", "BCC",
    "Description", "Privilege Claimed", "Basis", "Custodian", "Family Range",
]

PRIVILEGE_CLAIMED = {
    Privilege.attorney_client: "Attorney-Client Privilege",
    Privilege.work_product: "Work Product",
}

_TYPES = {
    "pdf": "PDF document", "doc": "Word document", "docx": "Word document", "rtf": "Word document",
    "xls": "Spreadsheet", "xlsx": "Spreadsheet", "csv": "Spreadsheet", "ppt": "Presentation",
    "pptx": "Presentation", "txt": "Text file", "htm": "HTML document", "html": "HTML document",
    "msg": "Email", "eml": "Email", "png": "Image", "jpg": "Image", "jpeg": "Image", "tif": "Image",
    "tiff": "Image", "gif": "Image",
}


def extension(doc: Document) -> str:
    return doc.extension.lower().lstrip(".")


def document_type(doc: Document) -> str:
    kind = "Email" if doc.email is not None else _TYPES.get(extension(doc), f"{extension(doc).upper() or 'Unknown'} file")
    if doc.parent:
        return f"{kind} (attachment)"
    return kind


def log_date(doc: Document) -> datetime | None:
    if doc.email is not None and (doc.email.sent or doc.email.received):
        return doc.email.sent or doc.email.received
    return doc.created or doc.modified


def format_date(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime("%m/%d/%Y")


BASIS = {
    Privilege.attorney_client: "Confidential communication between client and counsel made for the purpose of "
                               "obtaining or providing legal advice",
    Privilege.work_product: "Prepared by or at the direction of counsel in anticipation of litigation",
}
REDACTION_CLAIMS = {
    "privileged": ("Attorney-Client Privilege", "Redacted portion reflects legal advice of counsel"),
    "pii": ("Personal Information", "Redacted portion contains personal identifying information "
                                    "(privacy protection, Fed. R. Civ. P. 5.2)"),
    "third_party_confidential": ("Third-Party Confidentiality", "Redacted portion contains confidential "
                                                                 "information of a third party"),
}


def description(doc: Document, privilege: Privilege, issue_labels: dict[str, str] | None,
                issue_codes: list[str]) -> str:
    """What the document is, without what it says."""
    kind = document_type(doc)
    if privilege == Privilege.work_product:
        text = f"{kind} prepared by or at the direction of counsel in anticipation of litigation"
    elif doc.email is not None:
        text = f"{kind} requesting or providing legal advice of counsel"
    else:
        text = f"{kind} reflecting legal advice of counsel"
    issues = [(issue_labels or {}).get(code, code) for code in issue_codes]
    if issues:
        text += " regarding " + "; ".join(issues)
    return text


def _people(doc: Document) -> dict[str, str]:
    email = doc.email
    return {
        "Author": (email.from_ if email and email.from_ else doc.author) or "",
        "Recipients": "; ".join(email.to) if email else "",
        "CC": "; ".join(email.cc) if email else "",
        "BCC": "; ".join(email.bcc) if email else "",
    }


def privlog_row(doc: Document, decision: ReviewDecision, issue_labels: dict[str, str] | None = None,
                family_range: str = "", bates: tuple[str, str] | None = None) -> dict[str, str]:
    """A withheld document; `bates` is its slip sheet's number when one stands in for it."""
    if not decision.privilege.withheld:
        raise ValueError(f"{doc.control_number}: privilege {decision.privilege.value} is not withheld; "
                         f"only attorney-client or work-product documents are withheld")
    return {
        "Bates": bates[0] if bates else "",
        "Control Number": doc.control_number,
        "Treatment": "Withheld (slip sheet)" if bates else "Withheld",
        "Date": format_date(log_date(doc)),
        "Document Type": document_type(doc),
        **_people(doc),
        "Description": description(doc, decision.privilege, issue_labels, decision.issue_codes),
        "Privilege Claimed": PRIVILEGE_CLAIMED[decision.privilege],
        "Basis": BASIS[decision.privilege],
        "Custodian": doc.custodian,
        "Family Range": family_range,
    }


def redaction_row(doc: Document, decision: ReviewDecision, issue_labels: dict[str, str] | None,
                  family_range: str, bates: tuple[str, str], reasons: list[str]) -> dict[str, str]:
    """A document produced with redactions: one row naming every reason redacted."""
    claims = [REDACTION_CLAIMS.get(r, (r, f"Redacted: {r}")) for r in sorted({
        part.strip() for r in reasons for part in r.split(";") if part.strip()})]
    privileged = any(c[0] == "Attorney-Client Privilege" for c in claims)
    return {
        "Bates": f"{bates[0]}-{bates[1]}" if bates[0] != bates[1] else bates[0],
        "Control Number": doc.control_number,
        "Treatment": "Redacted",
        "Date": format_date(log_date(doc)),
        "Document Type": document_type(doc),
        **_people(doc),
        "Description": (description(doc, Privilege.attorney_client, issue_labels, decision.issue_codes)
                        if privileged else f"{document_type(doc)} produced with redactions"),
        "Privilege Claimed": "; ".join(c[0] for c in claims),
        "Basis": "; ".join(c[1] for c in claims),
        "Custodian": doc.custodian,
        "Family Range": family_range,
    }


def write_privlog(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=PRIVLOG_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def write_privlog_xlsx(path: Path, rows: list[dict[str, str]], title: str = "Privilege Log") -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(PRIVLOG_COLUMNS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(c, "") for c in PRIVLOG_COLUMNS])
    widths = {"Description": 60, "Basis": 50, "Recipients": 40, "CC": 30, "BCC": 20, "Author": 30}
    for i, col in enumerate(PRIVLOG_COLUMNS, start=1):
        letter = ws.cell(row=1, column=i).column_letter
        ws.column_dimensions[letter].width = widths.get(col, 18)
        for cell in ws[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    wb.properties.creator = "lpo"
    wb.save(path)


def read_privlog(path: Path | str) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def read_privlog_xlsx(path: Path | str) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [{h: ("" if v is None else str(v)) for h, v in zip(header, r)} for r in rows[1:]]
