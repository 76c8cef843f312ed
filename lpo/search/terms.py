"""The search term report the case team negotiates with: per term, how much of the collection it pulls in.

- hits: documents the term matches;
- unique hits: documents no other term of the list matches (what dropping the term would remove);
- hits with families: the hits and every member of their families (what review would receive);
- total: the same, for the list as a whole.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from rich.table import Table

from lpo.search.base import SearchEngine


@dataclass
class TermRow:
    term: str
    hits: int
    unique_hits: int
    hits_with_families: int


def read_terms(path: Path | str) -> list[str]:
    """One search a line; blank lines and lines starting with # are skipped."""
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def term_report(engine: SearchEngine, terms: list[str]) -> tuple[list[TermRow], TermRow]:
    """Rows per term, and the total row. A malformed term raises QueryError naming it."""
    families = engine.families()
    members: dict[str, int] = defaultdict(int)
    for fam in families.values():
        members[fam] += 1
    hit_sets = [engine.search(t).ids() for t in terms]
    seen_by: dict[str, int] = defaultdict(int)
    for s in hit_sets:
        for i in s:
            seen_by[i] += 1

    def with_families(ids: set[str]) -> int:
        fams = {families.get(i, i) for i in ids}
        return sum(members.get(f, 1) for f in fams)

    rows = [TermRow(t, len(s), sum(1 for i in s if seen_by[i] == 1), with_families(s))
            for t, s in zip(terms, hit_sets)]
    everything = set().union(*hit_sets) if hit_sets else set()
    total = TermRow("Total (any term)", len(everything), len(everything), with_families(everything))
    return rows, total


def report_table(rows: list[TermRow], total: TermRow, title: str) -> Table:
    table = Table(title=title)
    table.add_column("search term")
    for col in ("hits", "unique hits", "hits with families"):
        table.add_column(col, justify="right")
    for r in [*rows, total]:
        table.add_row(r.term, f"{r.hits:,}", f"{r.unique_hits:,}", f"{r.hits_with_families:,}",
                      style="bold" if r is total else None)
    return table


def report_csv(rows: list[TermRow], total: TermRow) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(asdict(total)), lineterminator="\n")
    w.writeheader()
    for r in [*rows, total]:
        w.writerow(asdict(r))
    return buf.getvalue()
