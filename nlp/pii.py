"""``lpo_pii``: validated personal data (PII) in ``doc.spans["pii"]``.

A pattern only proposes a candidate; it becomes a span when it passes the
type's published rules (nlp/checksums.py) and, for types a format cannot tell
apart, when the label written before it says what it is. So a reviewer's
redaction queue is not filled with order numbers.

================ ============= ======================================================
type             label         accepted when
================ ============= ======================================================
ssn              PII_SSN       AAA-GG-SSSS: area not 000/666/900-999, group not 00,
                               serial not 0000, not a voided number; spaced or bare
                               nine digits need weaker/stronger context
payment_card     PII_CARD      13-19 digits (groups of 4, or 4-6-5 / 4-6-4), issuer
                               prefix and length, Luhn
iban             PII_IBAN      country code, registered length, mod-97
aba_routing      PII_ROUTING   nine digits, Federal Reserve prefix, 3-7-1 checksum,
                               labelled routing/ABA/RTN/transit
bank_account     PII_BANK      6-17 digits labelled account/acct/checking/savings
phone            PII_PHONE     NANP (area code and exchange rules) or +CC international
email            PII_EMAIL     practical RFC 5322 address, alphabetic top-level domain
dob              PII_DOB       a real calendar date labelled DOB/date of birth/born
passport         PII_PASSPORT  6-9 letters/digits (5+ digits) labelled passport
drivers_license  PII_LICENSE   a licence number shape labelled driver's licence/DL
address          PII_ADDRESS   US street address (nlp/address.py)
================ ============= ======================================================

**Context.** A label governs the number it introduces: the keywords that count
for a candidate are those within ``context_chars`` before it *and after the last
digit before it*, so in "SSN 123-45-6789, part 412-33-1907" the part number is
governed by "part", not by "SSN". Besides the types' own keywords there are
*negative* ones (part, order, invoice, tracking, serial, ...): a number they
govern is not PII unless its own keyword is there too.

A negative keyword governs only a number that starts within ``NEG_WINDOW``
(20) characters after it. Without its keyword, an SSN-shaped number whose
group could be a month and whose serial a year ("231-11-2023") is taken for a
date-like code.

**Overlaps.** Candidates of different types can cover the same characters (a
9-digit number that is both a valid SSN and a valid routing number): the higher
score wins, so the label decides.

A protocol asking for ``bank_account`` also gets IBANs (an IBAN is a bank
account number in its international form). Rules are named ``pii:<type>``
(``PreTag.source``); scores are fixed per rule and context. Regexes run over the
whole ``doc.text``; see :mod:`nlp.spans` for how exact offsets are kept.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from . import address as _address
from . import spans
from .checksums import (  # noqa: F401
    card_issuer,
    full_year,
    luhn_ok,
    nanp_ok,
    real_date,
    valid_aba,
    valid_card,
    valid_iban,
    valid_ssn,
)

LABELS: dict[str, str] = {
    "ssn": "PII_SSN", "payment_card": "PII_CARD", "iban": "PII_IBAN", "aba_routing": "PII_ROUTING",
    "bank_account": "PII_BANK", "phone": "PII_PHONE", "email": "PII_EMAIL", "dob": "PII_DOB",
    "passport": "PII_PASSPORT", "drivers_license": "PII_LICENSE", "address": "PII_ADDRESS",
}
# A protocol type that brings others along.
IMPLIED: dict[str, tuple[str, ...]] = {"bank_account": ("iban",)}
DEFAULT_TYPES = ["ssn", "payment_card", "bank_account", "email", "phone"]

# --- context keywords ------------------------------------------------------------

KEYWORDS = re.compile(r"""\b(?:
    (?P<ssn>ssn|ss\s?\#|s\.s\.n\.?|social\s+security|soc\.?\s*sec\.?|ss\s+no)
  | (?P<payment_card>card|credit|debit|visa|master\s?card|amex|american\s+express|discover|cc\s?\#)
  | (?P<aba_routing>routing|aba|rtn|transit|r/t)
  | (?P<bank_account>account|acct|a/c|checking|savings)
  | (?P<phone>tel|telephone|phone|ph|cell|mobile|mob|fax|call|direct|office|dial)
  | (?P<dob>dob|d\.o\.b|date\s+of\s+birth|birth\s?date|born|birthday)
  | (?P<passport>passport)
  | (?P<drivers_license>driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|dl|d\.l|cdl|operator'?s\s+licen[cs]e)
  | (?P<neg>part|p/n|pn|model|item|sku|order|po|invoice|inv|ref|reference|tracking|serial|s/n|lot|batch
          |case|docket|claim|ticket|confirmation|conf|quote|rma|scar|id|employee|job|project|patent|isbn
          |upc|version|build|shipment|container|pallet|sn)
)(?![\w'])""", re.I | re.X)
NEG = "neg"
NEG_WINDOW = 20  # characters: a negative keyword governs only a number right after it


class Context:
    """The keywords governing each candidate of one text (see module doc).

    Looked up per candidate, in the few characters before it, and remembered:
    candidates are rare, so this costs less than scanning the whole text.
    """

    def __init__(self, text: str, window: int):
        self.text = text
        self.lower = text.lower()
        self.window = window
        self._cache: dict[int, frozenset[str]] = {}

    def kinds(self, start: int) -> frozenset[str]:
        """Kinds of the keywords governing a candidate that starts at ``start``."""
        found = self._cache.get(start)
        if found is None:
            text = self.text
            floor = max(0, start - self.window)
            # the zone ends at the candidate and starts after the last digit before it
            for j in range(start - 1, floor - 1, -1):
                if text[j].isdigit():
                    floor = j + 1
                    break
            # a negative label ("part no.", "Order #") stands right before its number
            near = start - NEG_WINDOW
            found = self._cache[start] = frozenset(
                kind for m in KEYWORDS.finditer(text, floor, start)
                if (kind := m.lastgroup or NEG) != NEG or m.start() >= near)
        return found

    def mentions(self, *words: str) -> bool:
        """Does the text contain any of ``words`` (lower case, as substrings)? A cheap pre-filter."""
        return any(w in self.lower for w in words)


# --- patterns ----------------------------------------------------------------------

# A number must not continue into a word, a longer number or a decimal.
_L = r"(?<![\w.-])"
_R = r"(?![\w-]|[.,]\d)"

SSN_RE = re.compile(_L + r"(\d{3})([- ]?)(\d{2})\2(\d{4})" + _R)
CARD_RE = re.compile(_L + r"\d(?:[ -]?\d){12,18}" + _R)
CARD_GROUPINGS = {(4, 6, 5), (4, 6, 4)}  # Amex, Diners; otherwise groups of four
IBAN_RE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
NINE_RE = re.compile(_L + r"\d{9}" + _R)
ACCOUNT_RE = re.compile(_L + r"\d{2,}(?:-\d+){0,3}" + _R)
EMAIL_RE = re.compile(
    r"(?<![\w.%+-])"
    r"([A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
    r"(?![\w-])"
)
PHONE_RE = re.compile(
    r"""(?<![\w+.-])
        (?:\+?1[ .-]?)?                                  # country code
        (?:\(\s?(?P<a1>\d{3})\s?\)\s?|(?P<a2>\d{3})(?P<s1>[ .-]?))
        (?P<ex>\d{3})(?P<s2>[ .-]?)(?P<line>\d{4})
        (?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?         # extension
        (?![\w-]|[.,]\d)""",
    re.X | re.I,
)
INTL_PHONE_RE = re.compile(r"(?<![\w+])\+(?!1\b)[2-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?)(?:[ .-]?\d{2,4}){2,4}(?![\w-]|[.,]\d)")
MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
     ("nov", "november"), ("dec", "december")], start=1) for m in names}
_MONTH = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
DATE_RE = re.compile(
    _L + r"(?:"
    r"(?P<m1>\d{1,2})(?P<sep>[/.-])(?P<d1>\d{1,2})(?P=sep)(?P<y1>\d{4}|\d{2})"     # 04/12/1985, 4-12-85
    r"|(?P<y2>\d{4})-(?P<m2>\d{2})-(?P<d2>\d{2})"                                 # 1985-04-12
    r"|" + _MONTH + r"\s+(?P<d3>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y3>\d{4})"      # April 12, 1985
    r"|(?P<d4>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH.replace("mon", "mon4") + r",?\s+(?P<y4>\d{4})"  # 12 April 1985
    r")" + _R,
    re.I,
)
PASSPORT_RE = re.compile(r"\b(?=[A-Z0-9]*\d{5})[A-Z0-9]{6,9}\b")
LICENSE_RE = re.compile(r"\b(?:[A-Z]{1,3}-?)?\d[\d-]{3,16}\d\b(?! \d)|\b\d{3} \d{3} \d{3}\b|"
                        r"\b[A-Z]{1,3}\*?[A-Z0-9*]{5,12}\b")


def valid_email(value: str) -> bool:
    m = EMAIL_RE.fullmatch(value)
    return bool(m) and len(m.group(1)) <= 64 and len(value) <= 254


def valid_phone(value: str) -> bool:
    """True for a US (NANP) number in any of the accepted formats."""
    m = PHONE_RE.fullmatch(value.strip())
    return bool(m) and nanp_ok(m.group("a1") or m.group("a2"), m.group("ex"))


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


# --- detectors: (text, context) -> (start, end, score) -------------------------------

Found = tuple[int, int, str, str, float]  # start, end, label, rule, score


def _ssn(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    for m in SSN_RE.finditer(text):
        if not valid_ssn(m.group(0)):
            continue
        kinds = ctx.kinds(m.start())
        own = "ssn" in kinds
        if not own and kinds:  # governed by another label: a part number, a phone, an account
            continue
        sep = m.group(2)
        if not own and sep == "-" and 1 <= int(m.group(3)) <= 12 and 1900 <= int(m.group(4)) <= 2099:
            continue  # "231-11-2023": a date-like code, unless labelled SSN
        if sep == "-":
            score = 0.99 if own else 0.85
        elif sep == " ":
            score = 0.95 if own else 0.6
        elif own:  # nine bare digits: only with a keyword
            score = 0.8
        else:
            continue
        yield m.start(), m.end(), score


def _card(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    for m in CARD_RE.finditer(text):
        value = m.group(0)
        if not (_card_grouping_ok(value) and valid_card(value)):
            continue
        kinds = ctx.kinds(m.start())
        if "payment_card" in kinds:
            score = 0.99
        elif NEG in kinds:  # a tracking or order number that happens to pass Luhn
            continue
        else:
            score = 0.9
        yield m.start(), m.end(), score


def _iban(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    for m in IBAN_RE.finditer(text):
        value = m.group(0)
        # the last group may have run into a following code: drop groups until the length fits
        while value and not valid_iban(value):
            cut = value.rfind(" ")
            if cut < 15:
                value = ""
                break
            value = value[:cut]
        if value:
            yield m.start(), m.start() + len(value), 0.99


def _aba(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    if not ctx.mentions("routing", "aba", "rtn", "transit", "r/t"):
        return
    for m in NINE_RE.finditer(text):
        if valid_aba(m.group(0)) and "aba_routing" in ctx.kinds(m.start()):
            yield m.start(), m.end(), 0.97


def _account(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    if not ctx.mentions("account", "acct", "a/c", "checking", "savings"):
        return
    for m in ACCOUNT_RE.finditer(text):
        digits = re.sub(r"[ -]", "", m.group(0))
        if not 6 <= len(digits) <= 17:
            continue
        kinds = ctx.kinds(m.start())
        if "bank_account" not in kinds:
            continue
        # a card or routing number after "account" is what its checksum says it is
        if valid_card(digits) and "payment_card" in kinds:
            continue
        if len(digits) == 9 and valid_aba(digits) and "aba_routing" in kinds:
            continue
        yield m.start(), m.end(), 0.9


def _phone(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    for m in PHONE_RE.finditer(text):
        if not nanp_ok(m.group("a1") or m.group("a2"), m.group("ex")):
            continue
        kinds = ctx.kinds(m.start())
        own = "phone" in kinds
        if not own and kinds - {"payment_card", "dob"}:  # labelled as something else
            continue
        separated = m.group("a1") or m.group("s1") or m.group("s2")
        if not separated and not own:  # ten bare digits: only with a keyword
            continue
        spaced_only = not m.group("a1") and m.group("s1") == " " and m.group("s2") == " "
        score = 0.97 if own else (0.75 if spaced_only else 0.9)
        yield m.start(), m.end(), score
    if "+" in text:
        for m in INTL_PHONE_RE.finditer(text):
            n = sum(c.isdigit() for c in m.group(0))
            if 8 <= n <= 15:
                yield m.start(), m.end(), 0.95 if "phone" in ctx.kinds(m.start()) else 0.85


def _email(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    if "@" not in text:
        return
    for m in EMAIL_RE.finditer(text):
        if len(m.group(1)) <= 64 and len(m.group(0)) <= 254:
            yield m.start(), m.end(), 0.95


def parse_date(m: re.Match[str]):  # noqa: ANN201
    g = m.groupdict()
    if g["m1"]:
        month, day, year = int(g["m1"]), int(g["d1"]), full_year(int(g["y1"]))
    elif g["y2"]:
        month, day, year = int(g["m2"]), int(g["d2"]), int(g["y2"])
    elif g["mon"]:
        month, day, year = MONTHS[g["mon"].lower()], int(g["d3"]), int(g["y3"])
    else:
        month, day, year = MONTHS[g["mon4"].lower()], int(g["d4"]), int(g["y4"])
    if not 1900 <= year <= 2100:
        return None
    return real_date(year, month, day)


def _dob(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    if not ctx.mentions("dob", "d.o.b", "birth", "born"):
        return
    for m in DATE_RE.finditer(text):
        if "dob" in ctx.kinds(m.start()) and parse_date(m) is not None:
            yield m.start(), m.end(), 0.95


def _passport(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    if not ctx.mentions("passport"):
        return
    for m in PASSPORT_RE.finditer(text):
        if "passport" in ctx.kinds(m.start()):
            yield m.start(), m.end(), 0.9


def _license(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    if not ctx.mentions("licen", "dl", "d.l"):
        return
    for m in LICENSE_RE.finditer(text):
        value = m.group(0)
        digits = sum(c.isdigit() for c in value)
        if digits < 4 or digits > 16 or value.count("-") > 4:
            continue
        if "drivers_license" in ctx.kinds(m.start()):
            yield m.start(), m.end(), 0.9


def _street_address(text: str, ctx: Context) -> Iterator[tuple[int, int, float]]:
    yield from _address.find_addresses(text)


DETECTORS = {
    "ssn": _ssn, "payment_card": _card, "iban": _iban, "aba_routing": _aba, "bank_account": _account,
    "phone": _phone, "email": _email, "dob": _dob, "passport": _passport, "drivers_license": _license,
    "address": _street_address,
}
# On equal scores, the type with stronger evidence keeps the characters.
PRIORITY = {t: i for i, t in enumerate(["iban", "payment_card", "aba_routing", "ssn", "email", "dob", "passport",
                                         "drivers_license", "bank_account", "phone", "address"])}


def expand_types(types: Iterable[str]) -> list[str]:
    """The protocol's PII types plus the ones they imply, each once, in a stable order."""
    out: dict[str, None] = {}
    for t in types:
        out[t] = None
        for extra in IMPLIED.get(t, ()):
            out[extra] = None
    return list(out)


def find_pii(text: str, types: Iterable[str], context_chars: int = 40) -> Iterator[Found]:
    """Validated PII in ``text`` as ``(start, end, label, rule, score)``, in text order.

    Usable without spaCy; the component below is a thin wrapper over it.
    Where candidates overlap, the higher score keeps the characters.
    """
    ctx = Context(text, context_chars)
    found: list[tuple[float, int, int, int, str]] = []
    for t in types:
        for start, end, score in DETECTORS[t](text, ctx):
            found.append((score, -PRIORITY[t], start, end, t))
    found.sort(reverse=True)
    kept: list[tuple[int, int, str, float]] = []
    taken: list[tuple[int, int]] = []  # sorted, disjoint
    for score, _, start, end, t in found:
        i = bisect.bisect_left(taken, (start, end))
        if (i > 0 and taken[i - 1][1] > start) or (i < len(taken) and taken[i][0] < end):
            continue
        taken.insert(i, (start, end))
        kept.append((start, end, t, score))
    kept.sort()
    return iter([(s, e, LABELS[t], f"pii:{t}", score) for s, e, t, score in kept])


class PiiDetector:
    """Writes validated PII hits to ``doc.spans[spans_key]`` (see module doc)."""

    def __init__(self, name: str, types: list[str], spans_key: str, context_chars: int):
        unknown = set(types) - LABELS.keys()
        if unknown:
            raise ValueError(f"{name}: unknown PII type(s) {sorted(unknown)} in the protocol's pii_types; "
                             f"known: {sorted(LABELS)}")
        self.name = name
        self.types = expand_types(types)
        self.spans_key = spans_key
        self.context_chars = context_chars

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(LABELS[t] for t in self.types)

    def __call__(self, doc: Doc) -> Doc:
        group = spans.new_group(doc, self.spans_key)
        for start, end, label, rule, score in find_pii(spans.doc_text(doc), self.types, self.context_chars):
            spans.add(group, start, end, label, rule, score)
        return doc


@Language.factory(
    "lpo_pii",
    default_config={"types": DEFAULT_TYPES, "spans_key": "pii", "context_chars": 40},
    assigns=["doc.spans"],
)
def make_pii(nlp: Language, name: str, types: list[str], spans_key: str, context_chars: int) -> PiiDetector:
    return PiiDetector(name, types, spans_key, context_chars)
