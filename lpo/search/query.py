"""The search language reviewers know from review platforms, parsed once into an AST.

    negligen* w/5 (damage OR harm) AND NOT custodian:"John Smith"
    from:jsmith AND subject:"quarterly report" AND date:[2001-01-01 TO 2001-06-30]
    "side letter" pre/3 backdat*   contract~1   te?t

Boolean AND, OR, NOT (upper case; adjacent terms are ANDed), parentheses, phrases, proximity
(`a w/N b`: within N words either way; `a pre/N b`: a before b within N words), prefixes
and wildcards (`*`, `?`), fuzzy (`word~`, `word~1`: edit distance, 2 by default), fields and
date ranges. The engines compile this AST (lpo.search.fts5, lpo.search.elastic); a malformed
query is a QueryError that points at the column.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Query field -> what it searches. `text` (the extracted text) is the default field.
TEXT_FIELDS = {"text": "text", "body": "text", "subject": "subject", "from": "from", "to": "to",
               "custodian": "custodian", "file": "file_name", "filename": "file_name"}
DATE_FIELDS = {"date": "date"}
DEFAULT_FIELD = "text"
MAX_FUZZY = 2


class QueryError(ValueError):
    """A malformed query; `column` is 1-based, the message shows the query with a caret under it."""

    def __init__(self, message: str, query: str, position: int):
        self.reason, self.query, self.position, self.column = message, query, position, position + 1
        super().__init__(f"{message} at column {position + 1}\n  {query}\n  {' ' * position}^")


# ---- the tokenizer both engines' indexes agree with -----------------------------------------------

def _token_char(ch: str) -> bool:
    # SQLite FTS5 unicode61: letters, numbers and private-use characters make tokens; the rest separates.
    cat = unicodedata.category(ch)
    return cat[0] in "LN" or cat == "Co"


def tokens(text: str) -> list[str]:
    """Words of `text`, lower-cased, as FTS5's unicode61 tokenizer (remove_diacritics 0) cuts them."""
    out, cur = [], []
    for ch in text:
        if _token_char(ch):
            cur.append(ch)
        elif cur:
            out.append("".join(cur).lower())
            cur = []
    if cur:
        out.append("".join(cur).lower())
    return out


# ---- AST --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    field: str
    text: str                 # as typed; the engines analyse it (it may hold several words: jsmith@enron.com)
    words: tuple[str, ...]    # tokens(text)


@dataclass(frozen=True)
class Phrase:
    field: str
    text: str                 # as typed, for engines that analyse it themselves
    words: tuple[str, ...]


@dataclass(frozen=True)
class Prefix:
    field: str
    stem: str                 # lower case, one token


@dataclass(frozen=True)
class Wildcard:
    field: str
    pattern: str              # lower case; '*' any run of characters, '?' one character


@dataclass(frozen=True)
class Fuzzy:
    field: str
    word: str
    distance: int             # edits (insert, delete, substitute, transpose adjacent)


@dataclass(frozen=True)
class DateRange:
    field: str
    start: str | None         # YYYY-MM-DD inclusive, None: open
    end: str | None


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class Near:
    left: object
    right: object
    distance: int             # the right operand starts at most `distance` words after the left one (or before)
    ordered: bool             # pre/N: left comes first

    @property
    def field(self) -> str:
        return field_of(self.left)


Node = Term | Phrase | Prefix | Wildcard | Fuzzy | DateRange | And | Or | Not | Near
SPAN_NODES = (Term, Phrase, Prefix, Wildcard, Fuzzy, Near, Or)


def field_of(node) -> str:  # noqa: ANN001
    if isinstance(node, Or):
        return field_of(node.children[0])
    if isinstance(node, Near):
        return field_of(node.left)
    return node.field


def leaves(node) -> list:  # noqa: ANN001
    if isinstance(node, (And, Or)):
        return [x for c in node.children for x in leaves(c)]
    if isinstance(node, Not):
        return leaves(node.child)
    if isinstance(node, Near):
        return leaves(node.left) + leaves(node.right)
    return [node]


# ---- lexer ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tok:
    kind: str      # WORD PHRASE LPAR RPAR LBRACK RBRACK COLON AND OR NOT NEAR TO EOF
    text: str
    pos: int
    value: object = None


_NEAR = re.compile(r"(w|pre)/(\d+)$", re.IGNORECASE)
_SPECIAL = set('()[]":')


def lex(query: str) -> list[Tok]:
    out, i, n = [], 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()[]:":
            out.append(Tok({"(": "LPAR", ")": "RPAR", "[": "LBRACK", "]": "RBRACK", ":": "COLON"}[ch], ch, i))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QueryError("unclosed quote: add the closing \"", query, i)
            out.append(Tok("PHRASE", query[i + 1:end], i))
            i = end + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in _SPECIAL:
                j += 1
            word = query[i:j]
            m = _NEAR.match(word)
            if word in ("AND", "OR", "NOT", "TO"):
                out.append(Tok(word, word, i))
            elif m:
                out.append(Tok("NEAR", word, i, (int(m.group(2)), m.group(1).lower() == "pre")))
            else:
                out.append(Tok("WORD", word, i))
            i = j
    out.append(Tok("EOF", "", n))
    return out


# ---- parser -----------------------------------------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")
_FUZZY = re.compile(r"^(.*?)~(\d*)$")


class _Parser:
    def __init__(self, query: str):
        self.q = query
        self.toks = lex(query)
        self.i = 0

    def peek(self, k: int = 0) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, msg: str, tok: Tok | None = None) -> QueryError:
        return QueryError(msg, self.q, (tok or self.peek()).pos)

    def expect(self, kind: str, what: str) -> Tok:
        if self.peek().kind != kind:
            t = self.peek()
            got = "the end of the query" if t.kind == "EOF" else repr(t.text or t.kind)
            raise self.error(f"expected {what}, found {got}", t)
        return self.take()

    def parse(self):  # noqa: ANN201
        if self.peek().kind == "EOF":
            raise self.error("empty query: type a word, a \"phrase\" or field:value")
        node = self.or_expr(DEFAULT_FIELD)
        if self.peek().kind != "EOF":
            t = self.peek()
            raise self.error("unmatched ')'" if t.kind == "RPAR" else f"unexpected {t.text!r}", t)
        return node

    def or_expr(self, field: str):  # noqa: ANN201
        parts = [self.and_expr(field)]
        while self.peek().kind == "OR":
            self.take()
            parts.append(self.and_expr(field))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self, field: str):  # noqa: ANN201
        parts = [self.not_expr(field)]
        while True:
            k = self.peek().kind
            if k == "AND":
                self.take()
            elif k not in ("WORD", "PHRASE", "LPAR", "NOT"):
                break
            parts.append(self.not_expr(field))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_expr(self, field: str):  # noqa: ANN201
        if self.peek().kind == "NOT":
            self.take()
            return Not(self.not_expr(field))
        return self.near_expr(field)

    def near_expr(self, field: str):  # noqa: ANN201
        start = self.peek()
        node = self.primary(field)
        while self.peek().kind == "NEAR":
            op = self.take()
            distance, ordered = op.value
            if distance < 1:
                raise self.error(f"{op.text}: the distance must be at least 1 word", op)
            right_tok = self.peek()
            right = self.primary(field)
            for side, tok in ((node, start), (right, right_tok)):
                if not isinstance(side, SPAN_NODES) or (isinstance(side, Or) and not _span_or(side)):
                    raise self.error(f"{op.text} joins words, phrases, wildcards or (a OR b) groups, "
                                     "not a date, NOT or AND", tok)
            if field_of(node) != field_of(right):
                raise self.error(f"{op.text} needs both sides in the same field", right_tok)
            node = Near(node, right, distance, ordered)
        return node

    def primary(self, field: str):  # noqa: ANN201
        t = self.peek()
        if t.kind == "LPAR":
            self.take()
            if self.peek().kind == "RPAR":
                raise self.error("empty parentheses")
            node = self.or_expr(field)
            self.expect("RPAR", "')'")
            return node
        if t.kind == "WORD" and self.peek(1).kind == "COLON":
            return self.fielded()
        if t.kind == "PHRASE":
            self.take()
            if self.peek().kind == "WORD" and self.peek().text.startswith("~") and self.peek().pos == t.pos + len(
                    t.text) + 2:
                raise self.error("sloppy phrases are not supported: write the words with w/N", self.peek())
            if "*" in t.text or "?" in t.text:
                raise QueryError("wildcards inside a phrase are not supported: join the words with pre/1",
                                 self.q, t.pos)
            words = tuple(tokens(t.text))
            if not words:
                raise self.error("empty phrase: put words between the quotes", t)
            return Phrase(field, t.text, words) if len(words) > 1 else Term(field, t.text, words)
        if t.kind == "WORD":
            self.take()
            return self.word(t, field)
        if t.kind == "EOF":
            raise self.error("the query ends too early: a word, phrase or '(' is missing")
        if t.kind in ("AND", "OR", "NEAR"):
            raise self.error(f"{t.text} needs a word, phrase or '(' on its left", t)
        if t.kind == "NOT":
            raise self.error("w/N and pre/N join words, phrases, wildcards or (a OR b) groups, not NOT: "
                             "write (a w/N b) AND NOT c", t)
        raise self.error(f"unexpected {t.text!r}", t)

    def fielded(self):  # noqa: ANN201
        name_tok = self.take()
        self.take()  # ':'
        name = name_tok.text.lower()
        if name in DATE_FIELDS:
            return self.date(DATE_FIELDS[name], name_tok)
        if name not in TEXT_FIELDS:
            known = ", ".join(sorted({*TEXT_FIELDS, *DATE_FIELDS}))
            raise self.error(f"unknown field {name_tok.text!r}: use one of {known}", name_tok)
        if self.peek().kind in ("EOF", "AND", "OR", "RPAR"):
            raise self.error(f"{name}: needs a value")
        return self.primary_value(TEXT_FIELDS[name])

    def primary_value(self, field: str):  # noqa: ANN201
        t = self.peek()
        if t.kind == "WORD" and self.peek(1).kind == "COLON":
            raise self.error("a field's value cannot be another field", t)
        return self.primary(field)

    def date(self, field: str, name_tok: Tok) -> DateRange:
        t = self.peek()
        if t.kind == "WORD":
            self.take()
            day = self._day(t)
            return DateRange(field, day, day)
        if t.kind != "LBRACK":
            raise self.error("date: takes a day (2001-05-31) or a range [2001-01-01 TO 2001-06-30]", t)
        self.take()
        lo = self.expect("WORD", "a start day (YYYY-MM-DD or *)")
        self.expect("TO", "TO")
        hi = self.expect("WORD", "an end day (YYYY-MM-DD or *)")
        self.expect("RBRACK", "']'")
        start, end = self._day(lo, open_ok=True), self._day(hi, open_ok=True)
        if start and end and start > end:
            raise self.error("the range starts after it ends", lo)
        return DateRange(field, start, end)

    def _day(self, t: Tok, open_ok: bool = False) -> str | None:
        if open_ok and t.text == "*":
            return None
        if not _DATE.match(t.text):
            raise self.error(f"{t.text!r} is not a day: write YYYY-MM-DD", t)
        import datetime as dt

        try:
            dt.date.fromisoformat(t.text)
        except ValueError:
            raise self.error(f"{t.text!r} is not a calendar day", t) from None
        return t.text

    def word(self, t: Tok, field: str):  # noqa: ANN201
        text = t.text
        m = _FUZZY.match(text)
        if m:
            word, dist = m.group(1), m.group(2)
            distance = int(dist) if dist else MAX_FUZZY
            if not 0 < distance <= MAX_FUZZY:
                raise QueryError(f"fuzzy distance must be 1 or 2, not {dist}", self.q, t.pos + len(word) + 1)
            w = tokens(word)
            if len(w) != 1 or "*" in word or "?" in word:
                raise self.error(f"fuzzy search takes one plain word, not {word!r}", t)
            return Fuzzy(field, w[0], distance)
        if "*" in text or "?" in text:
            pattern = text.lower()
            for k, ch in enumerate(pattern):
                if ch not in "*?" and not _token_char(ch):
                    raise QueryError(f"a wildcard matches within one word: {ch!r} splits words",
                                     self.q, t.pos + k)
            if not any(ch not in "*?" for ch in pattern):
                raise self.error("a wildcard needs at least one letter or digit", t)
            stem = pattern[:-1]
            if pattern.endswith("*") and "*" not in stem and "?" not in stem:
                return Prefix(field, stem)
            return Wildcard(field, pattern)
        words = tuple(tokens(text))
        if not words:
            raise self.error(f"{text!r} has no letters or digits to search for", t)
        return Term(field, text, words)


def _span_or(node: Or) -> bool:
    return all(isinstance(c, SPAN_NODES) and (not isinstance(c, Or) or _span_or(c)) for c in node.children) \
        and len({field_of(c) for c in node.children}) == 1


def parse(query: str):  # noqa: ANN201
    """The AST of `query`; raises QueryError pointing at the column of the first mistake."""
    return _Parser(query).parse()
