"""``lpo_pii``: validated personal data (PII) in ``doc.spans["pii"]``.

Every candidate a pattern finds is checked before it becomes a span, so a
reviewer's redaction queue is not filled with order numbers:

========== ========= ==========================================================
type       label     accepted when
========== ========= ==========================================================
ssn        PII_SSN   AAA-GG-SSSS (or spaces): area not 000, 666 or 900-999,
                     group not 00, serial not 0000, not a publicly voided
                     number; nine bare digits only next to an SSN keyword
payment_   PII_CARD  13-19 digits (groups of 4, or 4-6-5 / 4-6-4) that pass
card                 the Luhn check and match an issuer's prefix and length
email      PII_EMAIL a practical RFC 5322 address: local part <= 64, domain
                     labels <= 63, alphabetic top-level domain, total <= 254
phone      PII_PHONE a NANP number: area code and exchange [2-9]XX, neither
                     N11; ten bare digits only next to a phone keyword
========== ========= ==========================================================

Scores are fixed per rule (a format alone, or the format with a keyword such as
"SSN" or "card" within ``context_chars`` before it). Rules are named
``pii:<type>`` (``PreTag.source``). Regexes run over the whole ``doc.text``;
see :mod:`nlp.spans` for how exact offsets are kept.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from . import spans

log = logging.getLogger("lpo.nlp.pii")

LABELS = {"ssn": "PII_SSN", "payment_card": "PII_CARD", "email": "PII_EMAIL", "phone": "PII_PHONE"}
# Named in lpo.matter.Protocol.pii_types but not detected yet (a later issue).
NOT_YET = frozenset({"bank_account", "aba_routing", "iban", "dob", "passport", "drivers_license", "address"})  # the [Pre-tagging] issue adds these

# --- SSN -------------------------------------------------------------------------

SSN_RE = re.compile(r"(?<![\d.-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-]|\.\d)")
SSN_CONTEXT = re.compile(r"\b(?:ssn|ss\s?#|s\.s\.n|social\s+security|soc\.?\s+sec|ss\s+no)", re.I)
# Numbers the Social Security Administration voided after they were printed in ads.
SSN_VOIDED = {"078051120", "219099999"}


def valid_ssn(value: str) -> bool:
    """True for a 9-digit SSN (separators ignored) the SSA could have issued."""
    digits = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{9}", digits):
        return False
    area, group, serial = int(digits[:3]), int(digits[3:5]), int(digits[5:])
    if area == 0 or area == 666 or area >= 900:
        return False
    if group == 0 or serial == 0:
        return False
    return digits not in SSN_VOIDED


# --- payment cards ---------------------------------------------------------------

CARD_RE = re.compile(r"(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d-]|\.\d)")
CARD_CONTEXT = re.compile(r"\b(?:card|credit|debit|visa|master\s?card|amex|american\s+express|discover|"
                          r"cc\s?#|acct|exp(?:iry|iration)?)\b", re.I)
CARD_GROUPINGS = {(4, 6, 5), (4, 6, 4)}  # Amex, Diners; otherwise groups of four


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check over a string of digits."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


# network, [(first prefix, last prefix, prefix width)], allowed lengths; IIN ranges as published
# by the networks (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro).
ISSUERS: list[tuple[str, list[tuple[int, int, int]], set[int]]] = [
    ("visa", [(4, 4, 1)], {13, 16, 19}),
    ("mastercard", [(51, 55, 2), (2221, 2720, 4)], {16}),
    ("amex", [(34, 34, 2), (37, 37, 2)], {15}),
    ("discover", [(6011, 6011, 4), (644, 649, 3), (65, 65, 2), (622126, 622925, 6)], {16, 17, 18, 19}),
    ("diners", [(300, 305, 3), (36, 36, 2), (38, 39, 2)], {14, 15, 16, 17, 18, 19}),
    ("jcb", [(3528, 3589, 4)], {16, 17, 18, 19}),
    ("unionpay", [(62, 62, 2)], {16, 17, 18, 19}),
    ("maestro", [(5018, 5018, 4), (5020, 5020, 4), (5038, 5038, 4), (5893, 5893, 4),
                 (6304, 6304, 4), (6759, 6759, 4), (6761, 6763, 4)], {13, 14, 15, 16, 17, 18, 19}),
]


def card_issuer(digits: str) -> str | None:
    """The network whose prefix and length fit ``digits``, or None."""
    for name, ranges, lengths in ISSUERS:
        if len(digits) not in lengths:
            continue
        for lo, hi, width in ranges:
            if len(digits) >= width and lo <= int(digits[:width]) <= hi:
                return name
    return None


def valid_card(value: str) -> bool:
    """True for a card number (spaces/dashes ignored): issuer prefix, length and Luhn."""
    digits = re.sub(r"[\s-]", "", value)
    return digits.isdigit() and 13 <= len(digits) <= 19 and card_issuer(digits) is not None and luhn_ok(digits)


def _card_grouping_ok(value: str) -> bool:
    seps = set(re.findall(r"[ -]", value))
    if not seps:
        return True
    if len(seps) > 1:
        return False
    groups = tuple(len(g) for g in re.split(r"[ -]", value))
    if groups in CARD_GROUPINGS:
        return True
    return all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4


# --- email -----------------------------------------------------------------------

EMAIL_RE = re.compile(
    r"(?<![\w.%+-])"
    r"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
    r"(?![\w-])"
)


def valid_email(value: str) -> bool:
    m = EMAIL_RE.fullmatch(value)
    return bool(m) and len(m.group(1)) <= 64 and len(value) <= 254


# --- phone -----------------------------------------------------------------------

PHONE_RE = re.compile(
    r"""(?<![\w+.-])
        (?:\+?1[ .-]?)?                                  # country code
        (?:\(\s?(?P<a1>\d{3})\s?\)\s?|(?P<a2>\d{3})(?P<s1>[ .-]?))
        (?P<ex>\d{3})(?P<s2>[ .-]?)(?P<line>\d{4})
        (?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?         # extension
        (?![\w-]|\.\d)""",
    re.X | re.I,
)
PHONE_CONTEXT = re.compile(r"\b(?:tel|telephone|phone|ph|cell|mobile|mob|fax|call|direct|office|dial)\b", re.I)


def _nanp_ok(area: str, exchange: str) -> bool:
    if area[0] in "01" or exchange[0] in "01":
        return False
    if area[1:] == "11" or exchange[1:] == "11":  # N11 service codes (411, 911, ...)
        return False
    return area[1] != "9"  # area codes N9X are reserved for expansion


def valid_phone(value: str) -> bool:
    """True for a US (NANP) number in any of the accepted formats."""
    m = PHONE_RE.fullmatch(value.strip())
    return bool(m) and _nanp_ok(m.group("a1") or m.group("a2"), m.group("ex"))


# --- the component ---------------------------------------------------------------

def _context(text: str, start: int, pattern: re.Pattern[str], window: int) -> bool:
    return pattern.search(text, max(0, start - window), start) is not None


def find_pii(text: str, types: Iterable[str], context_chars: int = 40) -> Iterator[tuple[int, int, str, str, float]]:
    """Validated PII in ``text`` as ``(start, end, label, rule, score)``, in text order.

    Usable without spaCy; the component below is a thin wrapper over it.
    A phone candidate overlapping an SSN, card or email hit is dropped.
    """
    types = set(types)
    found: list[tuple[int, int, str, str, float]] = []
    if "ssn" in types:
        for m in SSN_RE.finditer(text):
            if not valid_ssn(m.group(0)):
                continue
            ctx = _context(text, m.start(), SSN_CONTEXT, context_chars)
            if m.group(2):
                score = 0.99 if ctx else 0.85
            elif ctx:  # nine bare digits: only with a keyword nearby
                score = 0.8
            else:
                continue
            found.append((m.start(), m.end(), LABELS["ssn"], "pii:ssn", score))
    if "payment_card" in types:
        for m in CARD_RE.finditer(text):
            value = m.group(0)
            if not (_card_grouping_ok(value) and valid_card(value)):
                continue
            score = 0.99 if _context(text, m.start(), CARD_CONTEXT, context_chars) else 0.9
            found.append((m.start(), m.end(), LABELS["payment_card"], "pii:payment_card", score))
    if "email" in types and "@" in text:
        for m in EMAIL_RE.finditer(text):
            if len(m.group(1)) <= 64 and len(m.group(0)) <= 254:
                found.append((m.start(), m.end(), LABELS["email"], "pii:email", 0.95))
    if "phone" in types:
        taken = [(s, e) for s, e, *_ in found]
        for m in PHONE_RE.finditer(text):
            if not _nanp_ok(m.group("a1") or m.group("a2"), m.group("ex")):
                continue
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            ctx = _context(text, m.start(), PHONE_CONTEXT, context_chars)
            separated = m.group("a1") or m.group("s1") or m.group("s2")
            if not separated and not ctx:  # ten bare digits: only with a keyword nearby
                continue
            spaced_only = not m.group("a1") and m.group("s1") == " " and m.group("s2") == " "
            score = 0.97 if ctx else (0.75 if spaced_only else 0.9)
            found.append((m.start(), m.end(), LABELS["phone"], "pii:phone", score))
    found.sort()
    return iter(found)


class PiiDetector:
    """Writes validated PII hits to ``doc.spans[spans_key]`` (see module doc)."""

    def __init__(self, name: str, types: list[str], spans_key: str, context_chars: int):
        unknown = set(types) - LABELS.keys() - NOT_YET
        if unknown:
            raise ValueError(f"{name}: unknown PII type(s) {sorted(unknown)}; "
                             f"known: {sorted(LABELS.keys() | NOT_YET)}")
        self.name = name
        self.types = [t for t in types if t in LABELS]
        self.skipped_types = sorted(set(types) & NOT_YET)
        if self.skipped_types:
            log.warning("%s: PII type(s) %s are not detected yet; no spans will be proposed for them",
                        name, ", ".join(self.skipped_types))
        self.spans_key = spans_key
        self.context_chars = context_chars

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(LABELS[t] for t in self.types)

    def __call__(self, doc: Doc) -> Doc:
        group = spans.new_group(doc, self.spans_key)
        for start, end, label, rule, score in find_pii(doc.text, self.types, self.context_chars):
            spans.add(group, start, end, label, rule, score)
        return doc


@Language.factory(
    "lpo_pii",
    default_config={"types": ["ssn", "payment_card", "email", "phone"], "spans_key": "pii", "context_chars": 40},
    assigns=["doc.spans"],
)
def make_pii(nlp: Language, name: str, types: list[str], spans_key: str, context_chars: int) -> PiiDetector:
    return PiiDetector(name, types, spans_key, context_chars)
