"""The shapes the sample matter's content is written in: thread scripts, single emails,
loose files and the coding (ground truth) each carries.

Text templates use a tiny syntax: `{name}` is a slot, `{a|b|c}` a choice made with the
seeded RNG (an empty option is allowed: `{very |}`). Slots are resolved innermost first,
so a choice may contain slots. Paragraphs are separated by blank lines and re-wrapped;
a paragraph whose lines start with "- " is a bullet list, one starting with "|" is kept
verbatim (the "|" is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

NOT_PRIV = "not_privileged"
AC = "attorney_client"
WP = "work_product"
PARTIAL = "partial"
CONF = "Confidential"
AEO = "Highly Confidential - AEO"


@dataclass(frozen=True)
class Coding:
    responsive: bool
    privilege: str = NOT_PRIV
    issues: tuple[str, ...] = ()
    designation: str | None = None

    def but(self, **kw) -> "Coding":
        d = dict(responsive=self.responsive, privilege=self.privilege, issues=self.issues,
                 designation=self.designation)
        d.update(kw)
        return Coding(**d)


NOISE = Coding(False)


@dataclass
class Att:
    """An attachment: `builder` names a function in content.ATTACHMENTS (or a shared document).

    save_copy: also write the same bytes as a loose file in this folder of the custodian
    (an exact duplicate of the attachment).
    """

    builder: str
    save_copy: str | None = None


@dataclass
class M:
    """One message of a thread; the first is new, later ones reply to (or forward) the previous."""

    frm: str
    to: list[str]
    cc: list[str] = field(default_factory=list)
    body: str = ""
    fw: bool = False
    attach: list[Att] = field(default_factory=list)
    coding: Coding | None = None  # None: the thread's
    priv_para: str | None = None  # replaces the paragraph "@@PRIV@@" in body: privilege becomes partial
    greet: bool = True
    sign: bool = True
    legend: bool = False


@dataclass
class Thread:
    key: str
    custodian: str
    subject: str
    coding: Coding
    msgs: list[M]
    window: tuple[date, date]
    params: Callable | None = None  # (rng, pii, story, start) -> dict of slots


@dataclass
class Single:
    """A one-message email, filed in every custodian of `custodians` (same bytes)."""

    key: str
    custodians: list[str]
    msg: M
    subject: str
    coding: Coding
    window: tuple[date, date]
    params: Callable | None = None


@dataclass
class Loose:
    """A loose file in a custodian's folder, built by content.LOOSE_BUILDERS[builder]."""

    custodian: str
    folder: str
    builder: str
    window: tuple[date, date]
    variant: dict = field(default_factory=dict)
