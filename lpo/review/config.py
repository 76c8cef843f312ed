"""Label Studio labeling configs: the vocabulary of the review UI and the templates that render it.

The XML templates live in review_ui_config/ at the top of the repository. They use
`@{name}` placeholders (string.Template with '@' as delimiter) because Label Studio
itself uses `$field` for task data. Everything that comes from the matter's protocol
is XML-escaped before it is substituted.

The mappings below are the contract between the UI and `lpo.review.collect`: a choice
value that is not listed here is a malformed annotation.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from lpo.matter import Protocol
from lpo.models import Designation, Privilege

CONFIG_DIR = Path(__file__).resolve().parents[2] / "review_ui_config"

ConfigKind = Literal["first_pass", "attorney_qa"]

# Pre-tag labels the NLP pipeline may emit (PreTag.label), with highlight colours.
# A pre-tag whose label is not here cannot be shown: build_first_pass_task refuses it.
PRETAG_LABELS: dict[str, str] = {
    "PERSON": "#8ecae6",
    "ORG": "#a3b18a",
    "GPE": "#cdb4db",
    "DATE": "#e9c46a",
    "MONEY": "#90be6d",
    "PII_SSN": "#f28482",
    "PII_CARD": "#f28482",
    "PII_BANK": "#f28482",
    "PII_PHONE": "#f6bd60",
    "PII_EMAIL": "#f6bd60",
    "PII_DOB": "#f6bd60",
    "PII_IBAN": "#f28482",
    "PII_ROUTING": "#f6bd60",
    "PII_PASSPORT": "#f28482",
    "PII_LICENSE": "#f28482",
    "PII_ADDRESS": "#f6bd60",
    "PRIV_COUNSEL": "#b5838d",
    "PRIV_LEGEND": "#b5838d",
    "PRIV_ADVICE": "#b5838d",
    "TERM": "#ffd166",
}

# Redaction reasons: code stored on RedactionSpan.reason -> label shown to the reviewer.
REDACTION_REASONS: dict[str, str] = {
    "privileged": "Privileged",
    "pii": "PII",
    "third_party_confidential": "Confidential third party",
}
REDACTION_LABEL_TO_REASON: dict[str, str] = {v: k for k, v in REDACTION_REASONS.items()}

RESPONSIVE_CHOICES: dict[bool, str] = {True: "Responsive", False: "Not Responsive"}
RESPONSIVE_FROM_CHOICE: dict[str, bool] = {v: k for k, v in RESPONSIVE_CHOICES.items()}

PRIVILEGE_CHOICES: dict[Privilege, str] = {
    Privilege.not_privileged: "Not Privileged",
    Privilege.attorney_client: "Attorney-Client",
    Privilege.work_product: "Work Product",
    Privilege.partial: "Partially Privileged - Redact",
}
PRIVILEGE_FROM_CHOICE: dict[str, Privilege] = {v: k for k, v in PRIVILEGE_CHOICES.items()}

DESIGNATION_CHOICES: dict[Designation, str] = {d: d.value for d in Designation}
DESIGNATION_FROM_CHOICE: dict[str, Designation] = {v: k for k, v in DESIGNATION_CHOICES.items()}

QA_CONFIRM = "Confirm"
QA_OVERTURN = "Overturn"

# Control (from_name) names used in the configs.
TEXT = "text"
PRETAGS = "pretags"
REDACT = "redact"
RESPONSIVE = "responsive"
PRIVILEGE = "privilege"
ISSUES = "issues"
DESIGNATION = "designation"
NOTE = "note"
QA_OUTCOME = "qa_outcome"
QA_REASON = "qa_reason"


class _Template(string.Template):
    delimiter = "@"


def _attr(value: str) -> str:
    """An XML attribute value, quoted and escaped (quotes, <, >, & and newlines)."""
    return quoteattr(value, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _choices(values: list[str], hints: dict[str, str] | None = None, indent: str = "        ") -> str:
    lines = []
    for v in values:
        hint = (hints or {}).get(v)
        extra = f" hint={_attr(hint)}" if hint else ""
        lines.append(f"{indent}<Choice value={_attr(v)}{extra}/>")
    return "\n".join(lines)


def _labels(values: dict[str, str], indent: str = "        ") -> str:
    return "\n".join(f"{indent}<Label value={_attr(v)} background={_attr(c)}/>" for v, c in values.items())


def _issues_block(protocol: Protocol) -> str:
    if not protocol.issue_codes:
        return "<!-- the protocol defines no issue codes -->"
    codes = [c.code for c in protocol.issue_codes]
    if len(set(codes)) != len(codes):
        raise ValueError("protocol.issue_codes: each issue code must be distinct")
    hints = {c.code: c.description for c in protocol.issue_codes}
    return (f'<Choices name="{ISSUES}" toName="{TEXT}" choice="multiple" showInline="false">\n'
            f"{_choices(codes, hints)}\n"
            f"      </Choices>")


def _redaction_colours() -> dict[str, str]:
    colours = {"privileged": "#222222", "pii": "#444444", "third_party_confidential": "#666666"}
    return {label: colours.get(code, "#333333") for code, label in REDACTION_REASONS.items()}


def instructions_html(protocol: Protocol) -> str:
    """The protocol's instructions as the HTML Label Studio shows above each task (escaped)."""
    paras = [p.strip() for p in protocol.instructions.split("\n\n") if p.strip()]
    html = "".join(f"<p>{escape(p).replace(chr(10), '<br/>')}</p>" for p in paras)
    if protocol.issue_codes:
        items = "".join(f"<li><b>{escape(c.code)}</b>: {escape(c.description)}</li>" for c in protocol.issue_codes)
        html += f"<p>Issue codes:</p><ul>{items}</ul>"
    ex = protocol.privilege_examples
    for title, examples in (("Privileged, for example", ex.privileged),
                            ("Not privileged, for example", ex.not_privileged)):
        if examples:
            items = "".join(f"<li>{escape(e)}</li>" for e in examples)
            html += f"<p>{title}:</p><ul>{items}</ul>"
    if protocol.counsel.names or protocol.counsel.domains:
        who = ", ".join([*protocol.counsel.names, *(f"@{d}" for d in protocol.counsel.domains)])
        html += f"<p>Counsel (communications with them may be privileged): {escape(who)}</p>"
    return html


def template_path(kind: ConfigKind) -> Path:
    if kind not in ("first_pass", "attorney_qa"):
        raise ValueError(f"unknown review config kind {kind!r}; expected 'first_pass' or 'attorney_qa'")
    path = CONFIG_DIR / f"{kind}.xml"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the review UI templates ship in review_ui_config/ "
                                f"at the top of the repository")
    return path


def render_config(kind: ConfigKind, protocol: Protocol) -> str:
    """The Label Studio labeling config (XML) for a review stage under a matter's protocol."""
    template = _Template(template_path(kind).read_text(encoding="utf-8"))
    values = {
        "pretag_labels": _labels(PRETAG_LABELS),
        "redact_labels": _labels(_redaction_colours()),
        "responsive_choices": _choices(list(RESPONSIVE_CHOICES.values())),
        "privilege_choices": _choices(list(PRIVILEGE_CHOICES.values())),
        "designation_choices": _choices(list(DESIGNATION_CHOICES.values())),
        "qa_choices": _choices([QA_CONFIRM, QA_OVERTURN]),
        "issues": _issues_block(protocol),
    }
    return template.substitute(values).strip()  # Label Studio stores the config stripped
