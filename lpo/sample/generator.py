"""A deterministic sample matter, *Acme v. Globex*, for demos, tests and benchmarks.

    generate_sample_matter(out_dir, seed=7) writes

      out_dir/sources/<Custodian Name>/...   one folder per custodian: .eml mail (threads,
                                             families, duplicates), PDF, DOCX, TXT files,
                                             and three files that must become processing
                                             exceptions
      out_dir/ground_truth.json              what each file and document is, and how a
                                             careful reviewer codes it

and sample_matter_config() is the matching matter.yaml (protocol, counsel, issue codes).

Same seed, same bytes: every random choice comes from `random.Random` instances seeded
from `seed` (never the global RNG, never the clock); PDFs use reportlab's invariant mode
with each document's own date; DOCX core properties and zip entry dates are fixed; email
Message-IDs and MIME boundaries are drawn from the seeded RNG. File mtimes are set to the
document's date.

Ground truth conventions
- `path` is relative to the custodian's folder with '/' separators; an attachment's path
  is "<email path>/<attachment filename>" and its sha256 is of the decoded attachment bytes.
- Order: custodians by name, then files by path (compared part by part), each email
  followed by its attachments in MIME order. `duplicate_of` (with `duplicate_of_custodian`)
  names the first earlier document in that order with the same sha256.
- `thread` is the Message-ID of the first message of the conversation, for every email;
  null for other documents.
- `redactions` carries, per protocol: privileged spans (reason "Privileged") of partially
  privileged documents, and PII to redact (reason "PII": ssn, payment_card, bank_account,
  dob). `start`/`end` are character offsets into the text the file has: the text/plain
  body of an email (7bit, so decoded text == file bytes) or the TXT file; they are null
  for PDF and DOCX, where `text` is matched in the extracted text.
- `pii` lists every PII value present in the document's text (email: its body), of the
  types in the protocol's pii_types, including business phone numbers in signatures.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path, PurePosixPath

from lpo.matter import (Counsel, IssueCode, Matter, PrivilegeExamples, ProductionConfig, Protocol, QAConfig,
                        ReviewSite, TARConfig)

from . import content
from .cast import CUSTODIANS, LEGEND_AC, PEOPLE, Person
from .pii import PiiFactory
from .render import DocSpec, MailParts, eastern, render, render_eml, render_pdf, to_text
from .script import AC, PARTIAL, Coding, M, Thread

MATTER_NAME = "Acme v. Globex"
GROUND_TRUTH = "ground_truth.json"
SOURCES = "sources"
REDACT_PII = ("ssn", "payment_card", "bank_account", "dob")
BODY_WIDTH = 72
SERVICE = {"itdesk", "facilities", "allstaff", "mcw", "hvnews", "gxar", "mwf", "keystone", "prolink", "concur",
           "hrteam"}

INSTRUCTIONS = """\
This matter is Acme Manufacturing, Inc. v. Globex Corporation, a commercial dispute under the Master \
Supply Agreement of February 6, 2023 for GX-400 and GX-250 motor actuator assemblies. Acme (our client) \
claims that Globex imposed a raw material surcharge the contract does not allow, cut Acme's delivery \
allocation to pressure it into paying, and shipped GX-400 units with defective bearings that failed on \
Acme's lines and in its customers' tractors. Globex says the surcharge was properly noticed and that its \
liability is capped. The review period is January 1, 2023 to June 30, 2024.

RESPONSIVE: code a document responsive if it concerns any issue below: Globex pricing, the surcharge, \
invoices and short-payments; GX-400/GX-250 quality, failures, SCARs, 8D reports and warranty claims; \
deliveries, allocation and shortages; the negotiation, performance, amendment or breach of the Master \
Supply Agreement; or Acme's costs and losses (cover purchases from Initech, rework, freight, overtime, \
customer chargebacks). Apply every issue code that fits. Newsletters, HR and IT notices, social plans \
and purely logistical messages (scheduling a call, booking a room) are not responsive, even when they \
mention Globex or a lawyer.

PRIVILEGE: a document is attorney-client privileged if it is a confidential communication with counsel \
(Hollister & Vance LLP - Richard B. Sanders, Meredith K. Osei - or Acme's General Counsel Elaine \
Porter) made to request or give legal advice; work product if it was prepared by or at the direction \
of counsel in anticipation of litigation (memos, chronologies, damages analyses marked as prepared for \
counsel, counsel's drafts). A lawyer copied on a business email, a lawyer scheduling a call, a law \
firm's marketing alert, or any communication with Globex, its counsel (Baxter Quinn LLP) or another \
third party is NOT privileged, whatever its legend or footer says. If a business document repeats \
legal advice in one passage, code it partially privileged and mark only that passage for redaction \
(reason Privileged).

PII: redact U.S. Social Security numbers, full payment card numbers, bank account numbers and dates of \
birth (reason PII) in every document you mark for production. Do not redact business contact \
information, phone numbers, email addresses or bank routing numbers. Designate pricing, cost and \
damages analyses and third-party quotes Highly Confidential - AEO; other non-public business documents \
Confidential; correspondence exchanged with Globex's counsel needs no designation."""

ISSUE_CODES = {
    "PRICING": "Globex pricing, the raw material surcharge, invoices and short-payments",
    "DEFECT": "GX-400/GX-250 defects, failure analysis, SCARs, 8D reports and warranty claims",
    "DELIVERY": "Deliveries, allocation, lead times and shortages",
    "CONTRACT": "Formation, performance, amendment, notice and breach of the Master Supply Agreement",
    "DAMAGES": "Acme's costs and losses: cover purchases, rework, freight, overtime, customer chargebacks",
}

SEARCH_TERMS = ["surcharge", "GX-400", "allocation", "bearing", "SCAR", "8D", "Initech", "chargeback",
                "warranty", "notice of breach", "Master Supply Agreement", "short-pay", "GX-RECOVERY"]


def sample_matter_config() -> Matter:
    """The matter.yaml of the sample matter, matching what generate_sample_matter writes."""
    counsel = [PEOPLE["rsanders"], PEOPLE["mosei"], PEOPLE["eporter"]]
    return Matter(
        name=MATTER_NAME,
        client="Acme Manufacturing, Inc.",
        control_prefix="ACME",
        protocol=Protocol(
            instructions=INSTRUCTIONS,
            issue_codes=[IssueCode(code=k, description=v) for k, v in ISSUE_CODES.items()],
            counsel=Counsel(names=[p.name for p in counsel], emails=[p.email for p in counsel],
                            domains=["hollistervance.com"]),
            privilege_examples=PrivilegeExamples(
                privileged=["An email to Hollister Vance asking whether the surcharge notice was valid",
                            "Counsel's draft of the notice of breach, or comments on it",
                            "A memo prepared at counsel's request analysing the GX-400 failures for the dispute"],
                not_privileged=["A sales update that merely copies in-house counsel",
                                "The notice of breach as sent to Globex (sent to the other side)",
                                "Engineering's ordinary 8D report written before any dispute"]),
            search_terms=list(SEARCH_TERMS),
            pii_types=["ssn", "payment_card", "bank_account", "aba_routing", "phone", "dob", "email"],
        ),
        # QA of a batch of 50: accept on zero errors in the sample that shows a rate under 10% (25 decisions).
        batch_size=50,
        qa=QAConfig(confidence=0.95, margin=0.10, plan="accept_on_zero", threshold=0.10),
        # Prioritised review: rounds from the top of a CAL ranking seeded by the search terms, a tenth at random.
        tar=TARConfig(enabled=True, seed_query=" ".join(SEARCH_TERMS), random_share=0.1),
        production=ProductionConfig(prefix="ACME", start=1, padding=8),
        review_sites=[
            ReviewSite(name="offshore", url="http://localhost:8080", token_env="LPO_LS_TOKEN", role="first_pass"),
            ReviewSite(name="onshore-qa", url="http://localhost:8080", token_env="LPO_LS_TOKEN", role="qa"),
        ],
    )


@dataclass(frozen=True)
class SampleSummary:
    out_dir: Path
    seed: int
    custodians: list[str]
    files_written: int
    documents_expected: int
    exceptions_expected: int
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"out_dir": str(self.out_dir), "seed": self.seed, "custodians": self.custodians,
                "files_written": self.files_written, "documents_expected": self.documents_expected,
                "exceptions_expected": self.exceptions_expected, "counts": dict(self.counts)}


# --------------------------------------------------------------------------- templates

_SLOT = re.compile(r"\{([^{}]*)\}")


def expand(template: str, slots: dict, rng: random.Random) -> str:
    """Resolve `{slot}` and `{a|b|c}` (innermost first, left to right)."""
    def one(m: re.Match) -> str:
        inner = m.group(1)
        if "|" in inner:
            return rng.choice(inner.split("|"))
        if inner not in slots:
            raise KeyError(f"template slot {{{inner}}} has no value")
        return str(slots[inner])

    while True:
        out = _SLOT.sub(one, template)
        if out == template:
            return out
        template = out


def _fill(text: str, **kw) -> str:
    return textwrap.fill(text, BODY_WIDTH, break_on_hyphens=False, break_long_words=False, **kw)


def _wrap76(text: str, width: int = 76, **kw) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False, break_long_words=False, **kw)


def paragraphs(text: str, keep: tuple[str, ...] = ()) -> list[str]:
    """Re-wrap paragraphs; strings in `keep` (e.g. card numbers) are never split across lines."""
    for k in keep:
        if k in text:
            text = text.replace(k, k.replace(" ", "\ue000"))
    out = []
    for para in re.split(r"\n[ \t]*\n", text.strip()):
        lines = para.split("\n")
        if lines[0].startswith("|"):
            out.append("\n".join(ln[1:] if ln.startswith("|") else ln for ln in lines).rstrip())
        elif lines[0].startswith("- "):
            items, cur = [], []
            for ln in lines:
                if ln.startswith("- ") and cur:
                    items.append(" ".join(cur))
                    cur = []
                cur.append(ln.strip()[2:] if ln.startswith("- ") else ln.strip())
            items.append(" ".join(cur))
            out.append("\n".join(_fill(" ".join(i.split()), initial_indent="- ", subsequent_indent="  ")
                                  for i in items))
        else:
            para = " ".join(para.split())
            out.append(_fill(para[:1].upper() + para[1:]))
    return [p.replace("\ue000", " ") for p in out]


# --------------------------------------------------------------------------- build state

@dataclass
class _Doc:
    """A document under construction: a file, or an attachment inside an email file."""

    custodian: str
    path: str
    data: bytes
    kind: str
    coding: Coding
    text: str  # text used for PII ground truth (an email: its body)
    offsets: bool  # start/end into `text` are meaningful (email body, TXT)
    priv_texts: list[str] = field(default_factory=list)
    parent: str | None = None
    thread: str | None = None
    when: datetime | None = None
    children: list["_Doc"] = field(default_factory=list)


@dataclass
class _Mail:
    parts: MailParts
    sender: Person
    recipients: list[Person]
    coding: Coding
    thread: str
    priv_text: str | None
    attachments: list[tuple[str, bytes, DocSpec, Coding]]
    custodian: str  # the custodian key whose mailbox holds it
    saved_copies: list[tuple[str, bytes, DocSpec, Coding]] = field(default_factory=list)
    _bytes: bytes | None = None

    def data(self) -> bytes:
        if self._bytes is None:
            self._bytes = render_eml(self.parts)
        return self._bytes


def _partial_if(coding: Coding, priv_spans: list) -> Coding:
    """A document with privileged passages (and otherwise producible) is partially privileged."""
    if priv_spans and coding.privilege == "not_privileged":
        return coding.but(privilege=PARTIAL)
    return coding


class _Ctx:
    """What document builders in content.py see."""

    def __init__(self, rng: random.Random, pii: PiiFactory, st: dict, when: datetime):
        self.rng, self.pii, self.st, self.when = rng, pii, st, when


class _Builder:
    def __init__(self, seed: int):
        self.seed = seed
        self.pii = PiiFactory(self.rng("pii"))
        self.st = content.make_story(self.rng("story"))
        self.phones = {p.key: self.pii.phone(p.sig_phone_area) for p in PEOPLE.values() if p.sig_phone_area}
        for p in PEOPLE.values():
            if p.org.name == "Personal":
                self.pii.personal_email(p.email)
        self.docs: list[_Doc] = []  # top-level documents (files)
        self.exceptions: list[tuple[str, str, bytes, str, datetime]] = []
        self.mails: list[_Mail] = []
        self._shared: dict[str, tuple[bytes, DocSpec, Coding]] = {}

    def rng(self, *key) -> random.Random:
        return random.Random("/".join([str(self.seed), *map(str, key)]))

    # ---- time

    @staticmethod
    def _morning(rng, d: date) -> datetime:
        return datetime(d.year, d.month, d.day, rng.randint(7, 9), rng.randint(0, 59), rng.randint(0, 59))

    def pick_time(self, rng, window: tuple[date, date]) -> datetime:
        days = (window[1] - window[0]).days
        d = window[0] + timedelta(days=rng.randint(0, max(days, 0)))
        while d.weekday() >= 5:
            d += timedelta(days=1)
        return datetime(d.year, d.month, d.day, rng.randint(8, 16), rng.randint(0, 59), rng.randint(0, 59))

    def advance(self, rng, t: datetime) -> datetime:
        mins = rng.choice([rng.randint(8, 90), rng.randint(60, 300), rng.randint(900, 1700)])
        t = t + timedelta(minutes=mins, seconds=rng.randint(0, 59))
        if t.hour >= 19 or t.hour < 7:
            t = self._morning(rng, (t + timedelta(hours=6)).date())
        while t.weekday() >= 5:
            t = self._morning(rng, (t + timedelta(days=1)).date())
        return t

    # ---- documents

    def shared(self, key: str) -> tuple[bytes, DocSpec, Coding]:
        if key not in self._shared:
            spec, coding = content.ATTACHMENTS[key](_Ctx(self.rng("shared", key), self.pii, self.st,
                                                          datetime(2023, 2, 6, 12, 0)), {})
            self._shared[key] = (render(spec), spec, coding)
        return self._shared[key]

    def build_doc(self, builder, rng, when, slots) -> tuple[bytes, DocSpec, Coding]:
        spec, coding = builder(_Ctx(rng, self.pii, self.st, when), slots)
        return render(spec), spec, coding

    # ---- mail

    def signature(self, p: Person) -> str:
        if p.org.name == "Personal":
            return ""
        if p.key in SERVICE:
            return p.name if p.org.name.split()[0] in p.name else f"{p.name}\n{p.org.name}"
        lines = [p.name, p.title, p.org.name]
        if p.org.address:
            lines.append(p.org.address)
        if p.key in self.phones:
            lines.append(f"T {self.phones[p.key]} | {p.email}")
        return "\n".join(lines)

    def greeting(self, rng, to: list[Person], body: str) -> str | None:
        head = body[:60]
        if any(p.first in head for p in to) or head.startswith(("Dear", "Hello", "Hi ", "All", "Counsel")):
            return None
        if any(p.key == "allstaff" for p in to):
            return rng.choice(["Hi all,", "All,", "Hi everyone,"])
        to = [p for p in to if p.key not in SERVICE]
        if not to:
            return rng.choice(["Hello,", "Hi,", None])
        if len(to) >= 3:
            return rng.choice(["Hi all,", "All,", "Hi everyone,"])
        if len(to) == 2:
            return rng.choice([f"Hi {to[0].first} and {to[1].first},", f"{to[0].first}, {to[1].first} -"])
        return rng.choice([f"Hi {to[0].first},", f"{to[0].first},", f"Hello {to[0].first},", f"{to[0].first} -"])

    def compose(self, rng, m: M, slots: dict, sender: Person, to: list[Person],
                prev: _Mail | None) -> tuple[str, str | None]:
        keep = tuple(v for v in self.pii.registry if " " in v)
        text = expand(m.body, slots, rng)
        paras = paragraphs(text, keep)
        priv_text = None
        if m.priv_para:
            priv_text = paragraphs(expand(m.priv_para, slots, rng), keep)[0]
            paras = [priv_text if p == "@@PRIV@@" else p for p in paras]
            assert priv_text in paras, "priv_para given but no @@PRIV@@ paragraph in body"
        parts = []
        if m.legend:
            parts.append(LEGEND_AC)
        if m.greet and sender.key not in SERVICE:
            g = self.greeting(rng, to, paras[0])
            if g:
                parts.append(g)
        parts += paras
        if m.sign:
            if sender.key not in SERVICE:
                parts.append(rng.choice(["Thanks,", "Thank you,", "Best,", "Regards,", "Best regards,"])
                             + "\n" + sender.first)
            if self.signature(sender):
                parts.append(self.signature(sender))
        if sender.org.footer:
            parts.append(_fill(sender.org.footer))
        body = "\n\n".join(parts) + "\n"
        if prev is not None:
            body += "\n" + self.quote(prev, sender, m.fw)
        if priv_text is not None:
            assert body.count(priv_text) == 1
        return body, priv_text

    def quote(self, prev: _Mail, replier: Person, forward: bool) -> str:
        p = prev.parts
        who = f"{p.sender[0]} <{p.sender[1]}>"
        sent = p.sent
        if replier.org.style == "outlook":
            when = f"{sent:%A, %B} {sent.day}, {sent.year} {sent.hour % 12 or 12}:{sent:%M} {sent:%p}"
            head = ["________________________________", f"From: {who}", f"Sent: {when}",
                    _wrap76("To: " + "; ".join(f"{n} <{a}>" for n, a in p.to), 76, subsequent_indent="    ")]
            if p.cc:
                head.append(_wrap76("Cc: " + "; ".join(f"{n} <{a}>" for n, a in p.cc), 76,
                                          subsequent_indent="    "))
            head.append(_wrap76(f"Subject: {p.subject}", 76, subsequent_indent="    "))
            return "\n".join(head) + "\n\n" + p.body
        when = f"{sent:%a, %b} {sent.day}, {sent.year} at {sent.hour % 12 or 12}:{sent:%M} {sent:%p}"
        if forward:
            head = ["---------- Forwarded message ---------", f"From: {who}", f"Date: {when}",
                    _wrap76(f"Subject: {p.subject}", 76),
                    _wrap76("To: " + ", ".join(f"{n} <{a}>" for n, a in p.to), 76)]
            return "\n".join(head) + "\n\n" + p.body
        intro = _wrap76(f"On {when} {who} wrote:", 76)
        quoted = "\n".join(("> " + ln) if ln and not ln.startswith(">") else (">" + ln) for ln in
                           p.body.rstrip("\n").split("\n"))
        return intro + "\n" + quoted + "\n"

    @staticmethod
    def subject_for(prev_subject: str, forward: bool, replier: Person) -> str:
        outlook = replier.org.style == "outlook"
        if forward:
            prefix = "FW: " if outlook else "Fwd: "
        else:
            prefix = "RE: " if outlook else "Re: "
            if prev_subject.lower().startswith(("re: ",)):
                return prefix + prev_subject[4:]
        return prefix + prev_subject

    def make_mail(self, rng, m: M, slots: dict, subject: str, t: datetime, prev: _Mail | None,
                  refs: list[str], base: Coding, thread_id: str | None, custodian: str) -> _Mail:
        def who(k: str) -> Person:  # "@cust" stands for the custodian of this instance
            return PEOPLE[custodian if k == "@cust" else k]
        sender = who(m.frm)
        to = [who(k) for k in m.to]
        cc = [who(k) for k in m.cc]
        body, priv_text = self.compose(rng, m, slots, sender, to, prev)
        # Short enough that "Message-ID: <...>" is never folded.
        mid = f"<{t:%Y%m%d%H%M%S}.{rng.getrandbits(48):012X}@mail.{sender.org.domain}>"
        coding = m.coding or base
        if priv_text is not None:
            coding = coding.but(privilege=PARTIAL)
        atts, copies = [], []
        for a in m.attach:
            if a.builder in content.SHARED:
                data, spec, acoding = self.shared(a.builder)
            else:
                data, spec, acoding = self.build_doc(content.ATTACHMENTS[a.builder], rng, t, slots)
            atts.append((spec.filename, data, spec, acoding))
            if a.save_copy:
                copies.append((a.save_copy, data, spec, acoding))
        names = [x[0] for x in atts]
        assert len(names) == len(set(names)), f"attachment names repeat in {subject!r}"
        parts = MailParts(
            sender=(sender.name, sender.email), to=[(p.name, p.email) for p in to],
            cc=[(p.name, p.email) for p in cc], subject=subject, sent=t, message_id=mid, body=body,
            in_reply_to=prev.parts.message_id if prev else None, references=list(refs),
            attachments=[(n, d) for n, d, _, _ in atts],
            boundary=f"----=_NextPart_{rng.getrandbits(32):08X}.{rng.getrandbits(32):08X}",
            importance="high" if m.legend and sender.counsel else None)
        return _Mail(parts, sender, to + cc, coding, thread_id or mid, priv_text, atts, custodian, copies)

    def build_thread(self, th: Thread, n: int, custodian: str | None, window, extra: dict) -> list[_Mail]:
        rng = self.rng("thread", th.key, n)
        start = self.pick_time(rng, window)
        slots = dict(self.st)
        if th.params:
            slots.update(th.params(rng, self.pii, self.st, start))
        slots.update(extra)
        custodian = custodian or th.custodian
        subject = expand(th.subject, slots, rng)
        out: list[_Mail] = []
        refs: list[str] = []
        t = start
        for i, m in enumerate(th.msgs):
            prev = out[-1] if out else None
            if prev:
                t = self.advance(rng, t)
                subject = self.subject_for(prev.parts.subject, m.fw, PEOPLE[custodian if m.frm == "@cust" else m.frm])
                if prev.coding.privilege in (AC, "work_product", PARTIAL):
                    # Quoting privileged text carries it along: keep scripts honest.
                    assert (m.coding or th.coding).privilege == AC, f"{th.key}[{i}] quotes privileged text"
            mail = self.make_mail(rng, m, slots, subject, t, prev, refs, th.coding,
                                  out[0].parts.message_id if out else None, custodian)
            parties = {mail.sender.key, *(p.key for p in mail.recipients)}
            assert custodian in parties, f"{th.key}[{i}]: custodian {custodian} is not a party"
            refs = refs + [mail.parts.message_id]
            out.append(mail)
        return out

    # ---- assembly

    def add_mail_file(self, mail: _Mail, custodian: str, used: set):
        cust = PEOPLE[custodian]
        folder = "Mail/Sent Items" if mail.sender.key == custodian else "Mail/Inbox"
        safe = re.sub(r"[^A-Za-z0-9 ()\-,.&']+", "_", mail.parts.subject).strip()[:80].rstrip(" .")
        path = f"{folder}/{mail.parts.sent:%Y-%m-%d %H%M} {safe}.eml"
        k = 2
        while (cust.name, path) in used:
            path = f"{folder}/{mail.parts.sent:%Y-%m-%d %H%M} {safe} ({k}).eml"
            k += 1
        used.add((cust.name, path))
        doc = _Doc(cust.name, path, mail.data(), "email", mail.coding, mail.parts.body, True,
                   [mail.priv_text] if mail.priv_text else [], thread=mail.thread, when=mail.parts.sent)
        for name, data, spec, coding in mail.attachments:
            text, spans = to_text(spec)
            doc.children.append(_Doc(cust.name, f"{path}/{name}", data, spec.kind, _partial_if(coding, spans),
                                     text, spec.kind == "txt", [text[a:b] for a, b in spans], parent=path))
        self.docs.append(doc)
        for folder_, data, spec, coding in mail.saved_copies:
            self.add_loose(custodian, f"{folder_}/{spec.filename}", data, spec, coding, used)

    def add_loose(self, custodian: str, path: str, data: bytes, spec: DocSpec, coding: Coding, used: set):
        cust = PEOPLE[custodian]
        assert (cust.name, path) not in used, f"two files at {cust.name}/{path}"
        used.add((cust.name, path))
        text, spans = to_text(spec)
        self.docs.append(_Doc(cust.name, path, data, spec.kind, _partial_if(coding, spans), text, spec.kind == "txt",
                              [text[a:b] for a, b in spans], when=spec.date))

    def build(self):
        used: set = set()
        by_key = {t.key: t for t in content.THREADS}
        instances = [(t, 0, None, t.window, {}) for t in content.THREADS]
        counts = Counter()
        for key, cust, window, extra in content.THREAD_INSTANCES:
            counts[key] += 1
            instances.append((by_key[key], counts[key], cust, window, extra))
        threads = [self.build_thread(*inst) for inst in instances]
        for mails in threads:
            for mail in mails:
                self.add_mail_file(mail, mail.custodian, used)

        # The same message collected from a second custodian's mailbox: identical bytes.
        custodian_keys = {p.key for p in CUSTODIANS}
        candidates = [(mail, k) for mails in threads for mail in mails
                      for k in sorted({mail.sender.key, *(p.key for p in mail.recipients)} & custodian_keys)
                      if k != mail.custodian]
        for mail, k in self.rng("cross-custodian").sample(candidates, 8):
            if any(d.data == mail.data() and d.custodian == PEOPLE[k].name for d in self.docs):
                continue
            self.add_mail_file(mail, k, used)

        for s in content.SINGLES:
            rng = self.rng("single", s.key)
            t = self.pick_time(rng, s.window)
            slots = dict(self.st)
            if s.params:
                slots.update(s.params(rng, self.pii, self.st, t))
            subject = expand(s.subject, slots, rng)
            mail = self.make_mail(rng, s.msg, slots, subject, t, None, [], s.coding, None, s.custodians[0])
            for c in s.custodians:
                parties = {mail.sender.key, *(p.key for p in mail.recipients)}
                assert c in parties or "allstaff" in parties, f"single {s.key}: {c} is not a party"
                self.add_mail_file(mail, c, used)

        for i, lo in enumerate(content.LOOSE):
            rng = self.rng("loose", i, lo.builder)
            when = self.pick_time(rng, lo.window)
            if lo.builder in content.SHARED:
                data, spec, coding = self.shared(lo.builder)
            else:
                spec, coding = content.LOOSE_BUILDERS[lo.builder](_Ctx(rng, self.pii, self.st, when), lo.variant)
                data = render(spec)
            self.add_loose(lo.custodian, f"{lo.folder}/{spec.filename}", data, spec, coding, used)

        for cust, path, how in content.EXCEPTIONS:
            rng = self.rng("exception", path)
            when = self.pick_time(rng, (date(2023, 11, 1), date(2024, 2, 28)))
            if how == "corrupt":
                spec = DocSpec("scan.pdf", "Scanned document", "Canon iR-ADV C5560", when,
                               [("title", "Scan"), ("p", "Receiving inspection record, GX-400 lot. " * 30)])
                full = render_pdf(spec)
                data = full[: len(full) * 2 // 5]  # cut mid-stream: no xref, no trailer, no %%EOF
            elif how == "empty":
                data = b""
            else:
                data = b"ERPX\x00\x02\x00\x00" + rng.randbytes(4088)
            self.exceptions.append((PEOPLE[cust].name, path, data, how, when))


# --------------------------------------------------------------------------- ground truth

def _parts_key(path: str):
    return PurePosixPath(path).parts


def _pii_and_redactions(doc: _Doc, registry: dict[str, str]) -> tuple[list, list]:
    found = []
    for value, kind in registry.items():
        pos = doc.text.find(value)
        if pos >= 0:
            found.append((pos, kind, value))
    found.sort()
    pii = [{"type": k, "value": v} for _, k, v in found]
    red = []
    for ptext in doc.priv_texts:
        start = doc.text.find(ptext) if doc.offsets else -1
        red.append({"text": ptext, "reason": "Privileged",
                    "start": start if doc.offsets else None, "end": start + len(ptext) if doc.offsets else None})
    for _, kind, value in found:
        if kind not in REDACT_PII:
            continue
        if doc.offsets:
            for m in re.finditer(re.escape(value), doc.text):
                red.append({"text": value, "reason": "PII", "start": m.start(), "end": m.end()})
        else:
            red.append({"text": value, "reason": "PII", "start": None, "end": None})
    red.sort(key=lambda r: (r["start"] if r["start"] is not None else -1, r["text"]))
    return pii, red


def _doc_entry(doc: _Doc, registry) -> dict:
    c = doc.coding
    if not c.responsive:
        assert not c.issues and c.designation is None, f"{doc.path}: non-responsive with issues/designation"
    pii, red = _pii_and_redactions(doc, registry)
    return {"custodian": doc.custodian, "path": doc.path, "sha256": hashlib.sha256(doc.data).hexdigest(),
            "kind": doc.kind, "parent": doc.parent, "thread": doc.thread, "responsive": c.responsive,
            "privilege": c.privilege, "issue_codes": sorted(c.issues), "designation": c.designation,
            "redactions": red, "pii": pii, "duplicate_of": None, "duplicate_of_custodian": None}


def generate_sample_matter(out_dir: Path, seed: int = 7) -> SampleSummary:
    """Write the sample matter's source files and ground truth under out_dir.

    An existing out_dir/sources is replaced only if out_dir also holds a ground_truth.json
    (i.e. it is an earlier sample); anything else there is refused rather than deleted.
    """
    out_dir = Path(out_dir)
    src = out_dir / SOURCES
    if src.exists() and any(src.iterdir()):
        if not (out_dir / GROUND_TRUTH).exists():
            raise FileExistsError(f"{src} exists and is not a generated sample; choose an empty directory")
        shutil.rmtree(src)

    b = _Builder(seed)
    b.build()

    files: list[tuple[str, str, bytes, datetime | None, str | None, _Doc | None]] = []
    for d in b.docs:
        files.append((d.custodian, d.path, d.data, d.when, None, d))
    for cust, path, data, how, when in b.exceptions:
        files.append((cust, path, data, when, how, None))
    files.sort(key=lambda f: (f[0], _parts_key(f[1])))

    gt_files, gt_docs = [], []
    first: dict[str, dict] = {}
    for cust, path, data, when, how, doc in files:
        target = src / cust / Path(*_parts_key(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        if when is not None:
            ts = eastern(when).timestamp()
            os.utime(target, (ts, ts))
        entry = {"custodian": cust, "path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                 "expect": "exception" if how else "document"}
        if how:
            entry["reason"] = how
        gt_files.append(entry)
        if doc is None:
            continue
        for d in [doc, *doc.children]:
            e = _doc_entry(d, b.pii.registry)
            if e["sha256"] in first:
                e["duplicate_of"] = first[e["sha256"]]["path"]
                e["duplicate_of_custodian"] = first[e["sha256"]]["custodian"]
            else:
                first[e["sha256"]] = e
            gt_docs.append(e)

    gt = {"seed": seed, "matter": MATTER_NAME, "generator": "lpo.sample.generator",
          "custodians": sorted(p.name for p in CUSTODIANS), "files": gt_files, "documents": gt_docs}
    (out_dir / GROUND_TRUTH).write_text(json.dumps(gt, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return SampleSummary(out_dir=out_dir, seed=seed, custodians=gt["custodians"], files_written=len(gt_files),
                         documents_expected=len(gt_docs),
                         exceptions_expected=sum(1 for f in gt_files if f["expect"] == "exception"),
                         counts=summarize(gt))


def summarize(gt: dict) -> dict[str, int]:
    docs = gt["documents"]
    c: Counter = Counter()
    c["documents"] = len(docs)
    c["responsive"] = sum(d["responsive"] for d in docs)
    c["non_responsive"] = len(docs) - c["responsive"]
    for d in docs:
        c[f"privilege:{d['privilege']}"] += 1
        c[f"kind:{d['kind']}"] += 1
    c["attachments"] = sum(1 for d in docs if d["parent"])
    c["families"] = len({d["parent"] + "|" + d["custodian"] for d in docs if d["parent"]})
    c["threads"] = len({d["thread"] for d in docs if d["thread"]})
    c["duplicates"] = sum(1 for d in docs if d["duplicate_of"])
    c["with_pii"] = sum(1 for d in docs if d["pii"])
    c["with_redactions"] = sum(1 for d in docs if d["redactions"])
    c["exceptions"] = sum(1 for f in gt["files"] if f["expect"] == "exception")
    return dict(sorted(c.items()))


def main(argv: list[str] | None = None) -> None:
    import argparse
    import time

    ap = argparse.ArgumentParser(description="Write the Acme v. Globex sample matter.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    s = generate_sample_matter(a.out_dir, a.seed)
    print(json.dumps({**s.to_dict(), "seconds": round(time.perf_counter() - t0, 2)}, indent=1))


if __name__ == "__main__":
    main()
