"""The processing exceptions report, for the technician and the case team."""

from __future__ import annotations

import csv
import io
from collections import Counter

from rich.table import Table

from lpo.models import ProcessingException

COLUMNS = ["custodian", "source_path", "reason", "detail", "sha256", "stage", "at"]


def exceptions_csv(excs: list[ProcessingException]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for e in excs:
        w.writerow([e.custodian, e.source_path, e.reason, e.detail, e.sha256 or "", e.stage, e.at.isoformat()])
    return buf.getvalue()


def exceptions_table(excs: list[ProcessingException]) -> Table:
    by_reason = Counter(e.reason for e in excs)
    t = Table(title=f"Processing exceptions: {len(excs)} "
                    f"({', '.join(f'{r} {n}' for r, n in by_reason.most_common()) or 'none'})")
    for c in ("custodian", "file", "reason", "what happened and what to do"):
        t.add_column(c, overflow="fold")
    for e in excs:
        t.add_row(e.custodian, e.source_path, e.reason, e.detail)
    return t
