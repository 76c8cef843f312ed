"""The privilege log: one row per document withheld in full (FRCP 26(b)(5)(A)).

Rule 26(b)(5)(A) asks the withholding party to "describe the nature of the
documents ... in a manner that, without revealing information itself privileged
or protected, will enable other parties to assess the claim". Each row gives the
date, type, author, recipients, subject or title, the privilege claimed and the
basis. The basis is the reviewer's note when one was given (the final, QA
decision's note when QA decided), otherwise a description built from the
document type and the issue codes, e.g. "Email requesting or providing legal
advice of counsel regarding <issue>".

Written as CSV, UTF-8 with a byte-order mark (so Excel reads it as UTF-8),
CRLF line ends.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

from lpo.models import Document, Privilege, ReviewDecision

PRIVLOG_COLUMNS = [
    "Control Number", "Date", "Document Type", "Author / From", "Recipients (To)", "Recipients (Cc)",
    "Recipients (Bcc)", "Subject / Title", "Privilege Claimed", "Basis for Claim", "Custodian",
    "Family ID", "Produced Family Range",
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


def basis(doc: Document, decision: ReviewDecision, issue_labels: dict[str, str] | None = None) -> str:
    if decision.note and decision.note.strip():
        return " ".join(decision.note.split())
    kind = document_type(doc)
    if decision.privilege == Privilege.work_product:
        text = f"{kind} prepared by or at the direction of counsel in anticipation of litigation"
    elif doc.email is not None:
        text = f"{kind} requesting or providing legal advice of counsel"
    else:
        text = f"{kind} reflecting legal advice of counsel"
    issues = [(issue_labels or {}).get(code, code) for code in decision.issue_codes]
    if issues:
        text += " regarding " + "; ".join(issues)
    return text


def privlog_row(doc: Document, decision: ReviewDecision, issue_labels: dict[str, str] | None = None,
                family_range: str = "") -> dict[str, str]:
    if not decision.privilege.withheld:
        raise ValueError(f"{doc.control_number}: privilege {decision.privilege.value} is not withheld; "
                         f"only attorney-client or work-product documents go on the privilege log")
    email = doc.email
    return {
        "Control Number": doc.control_number,
        "Date": format_date(log_date(doc)),
        "Document Type": document_type(doc),
        "Author / From": (email.from_ if email and email.from_ else doc.author) or "",
        "Recipients (To)": "; ".join(email.to) if email else "",
        "Recipients (Cc)": "; ".join(email.cc) if email else "",
        "Recipients (Bcc)": "; ".join(email.bcc) if email else "",
        "Subject / Title": (email.subject if email and email.subject else doc.title) or doc.file_name,
        "Privilege Claimed": PRIVILEGE_CLAIMED[decision.privilege],
        "Basis for Claim": basis(doc, decision, issue_labels),
        "Custodian": doc.custodian,
        "Family ID": doc.family_id,
        "Produced Family Range": family_range,
    }


def write_privlog(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=PRIVLOG_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def read_privlog(path: Path | str) -> list[dict[str, str]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))
