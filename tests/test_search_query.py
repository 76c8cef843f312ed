"""The search language: what a query means (its AST), and errors that point at the mistake."""

import pytest

from lpo.search.query import (And, DateRange, Fuzzy, Near, Not, Or, Phrase, Prefix, QueryError, Term, Wildcard,
                              parse, tokens)


def test_tokens_cut_like_fts5_unicode61():
    assert tokens("Don't e-mail JSmith@Enron.com, café №5") == ["don", "t", "e", "mail", "jsmith", "enron", "com",
                                                                 "café", "5"]


def test_boolean_precedence_and_implicit_and():
    q = parse("a OR b c AND NOT d")
    assert q == Or((Term("text", "a", ("a",)),
                    And((Term("text", "b", ("b",)), Term("text", "c", ("c",)), Not(Term("text", "d", ("d",)))))))


def test_proximity_wildcards_fuzzy_fields_and_dates():
    q = parse('negligen* w/5 (damage OR harm~1) subject:"Quarterly Report" date:[2001-01-01 TO *] te?t')
    near, subject, date, wild = q.children
    assert near == Near(Prefix("text", "negligen"), Or((Term("text", "damage", ("damage",)), Fuzzy("text", "harm", 1))),
                        5, False)
    assert subject == Phrase("subject", "Quarterly Report", ("quarterly", "report"))
    assert date == DateRange("date", "2001-01-01", None)
    assert wild == Wildcard("text", "te?t")
    assert parse("a pre/3 b").ordered and parse("contract~").distance == 2
    assert parse("from:(jsmith OR klay)") == Or((Term("from", "jsmith", ("jsmith",)), Term("from", "klay", ("klay",))))


@pytest.mark.parametrize("query, column, says", [
    ("a AND", 6, "ends too early"),
    ("(a OR b", 8, "expected ')'"),
    ("a b)", 4, "unmatched ')'"),
    ('"side letter', 1, "unclosed quote"),
    ("foo:bar", 1, "unknown field 'foo'"),
    ("date:[2001-02-30 TO 2001-06-30]", 7, "not a calendar day"),
    ("date:[2001-06-30 TO 2001-01-01]", 7, "starts after it ends"),
    ("a w/0 b", 3, "at least 1 word"),
    ("contract~3", 10, "fuzzy distance"),
    ("subject:a w/3 b", 15, "same field"),
    ("a w/3 NOT b", 7, "not NOT"),
    ('"negligen* claim"', 1, "inside a phrase"),
    ("e-mai*", 2, "splits words"),
    ("OR a", 1, "needs a word"),
    ("()", 2, "empty parentheses"),
    ("", 1, "empty query"),
])
def test_malformed_queries_point_at_the_column(query, column, says):
    with pytest.raises(QueryError) as e:
        parse(query)
    assert e.value.column == column and says in str(e.value)
    caret_line = str(e.value).splitlines()[-1]
    assert caret_line.index("^") - 2 == column - 1  # the caret sits under the mistake
