"""The attorney QA report: one self-contained HTML document to file, and the same tables in markdown.

Both renderers take the plain dict assembled from the QA results and import nothing but the
standard library, so the report renders anywhere. The HTML loads nothing from outside (no
script, font, stylesheet or image by URL, and a Content-Security-Policy that forbids it): the
report of a privileged matter must not call out when opened, and must print as it shows.
Every string from the data is escaped: reviewer names and attorneys' reasons are typed text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

NONE = "–"  # shown for a rate that does not exist yet (nothing checked)

FIELD_LABELS = {
    "responsive": "Responsiveness",
    "privilege": "Privilege",
    "issue_codes": "Issue codes",
    "designation": "Confidentiality designation",
    "redactions": "Redactions",
}

STATUS_COLOURS = {
    "accepted": "#2e7d32",
    "rejected": "#c62828",
    "awaiting QA": "#757575",
    "not sampled": "#b0b0b0",
}
INK = "#1f3a5f"


# --- formatting -------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return NONE if x is None else f"{x * 100:.1f}%"


def _rate(rate: float | None, lower: float | None, upper: float | None) -> str:
    """'3.0% (1.0%-7.0%)': the estimate with its interval, as every table and chart shows it."""
    if rate is None:
        return NONE
    if lower is None or upper is None:
        return _pct(rate)
    return f"{_pct(rate)} ({_pct(lower)}-{_pct(upper)})"


def _level(x: float | None) -> str:
    """A confidence level as people say it: 95%, 99.5%."""
    return NONE if x is None else f"{x * 100:.1f}".removesuffix(".0") + "%"


def _count(n: int | None) -> str:
    return NONE if n is None else f"{n:,}"


def _when(iso: str | None) -> str:
    """ISO timestamps in UTC to the minute, so every time in the report reads the same way."""
    if not iso:
        return NONE
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso  # shown as recorded rather than hidden
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%d %H:%M")
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _field(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def _short(text: str, limit: int = 26) -> str:
    """Chart labels have a fixed width; the full text stays in the SVG <title>."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# --- the words: method, summary, elusion (shared by HTML and markdown) --------------------------


def _plan_sentence(protocol: dict) -> str:
    conf, plan = _level(protocol["confidence"]), protocol["plan"]
    if plan == "margin":
        return (f"First-pass decisions were checked on simple random samples sized for a margin of error "
                f"of ±{_pct(protocol['margin'])} at {conf} confidence (Cochran's formula with the "
                f"finite-population correction, at the worst-case error rate of 50%).")
    if plan == "accept_on_zero":
        return (f"First-pass decisions were checked on simple random samples sized for acceptance on "
                f"zero: if no checked decision is overturned, the error rate is shown to be below "
                f"{_pct(protocol['threshold'])} at {conf} confidence.")
    return f"First-pass decisions were checked on simple random samples (sampling plan: {plan})."


def _samples_sentence(samples: list[dict]) -> str:
    if not samples:
        return "No sample has been drawn yet."
    acceptance = sum(s["kind"] == "acceptance" for s in samples)
    elusion = sum(s["kind"] == "elusion" for s in samples)
    return (f"{_plural(len(samples), 'sample')} were drawn ({acceptance} acceptance, {elusion} elusion); "
            f"each records its random seed and the SHA-256 fingerprint of the list of documents it was "
            f"drawn from, so the same sample can be drawn again (see Samples).")


def method_sentences(data: dict) -> list[str]:
    """The Method paragraph, one sentence per item, generated from the protocol actually applied."""
    protocol = data["protocol"]
    conf, threshold = _level(protocol["confidence"]), _pct(protocol["threshold"])
    sentences = [
        _plan_sentence(protocol),
        _samples_sentence(data["samples"]),
        ("A checked decision is overturned when the supervising attorney changes any of its fields "
         "(responsiveness, privilege, issue codes, confidentiality designation, redactions); the "
         "rates by field count each field separately."),
        f"Each overturn rate is given with its {conf} confidence interval ({protocol['interval']}).",
        (f"A batch is accepted when the upper bound of its error rate is below {threshold}; "
         "otherwise it is rejected and its documents are reviewed again."),
    ]
    if protocol.get("all_privileged"):
        census = data.get("privilege_census")
        counted = (f" ({_plural(census['checked'], 'privilege call')} checked this way, "
                   f"{census['overturned']:,} overturned)") if census else ""
        sentences.append("Every privilege call was checked by a supervising attorney in addition to the "
                         f"random sample; those checks are not counted in the estimates{counted}.")
    if data.get("elusion") is None:
        sentences.append("No elusion test has been run.")
    else:
        sentences.append("An elusion test sampled the documents coded not responsive to estimate how "
                         "many responsive documents the review missed, and its recall (see Elusion test).")
    return sentences


def summary_sentence(data: dict) -> str:
    statuses = [b["status"] for b in data["batches"]]
    parts = [f"{statuses.count(s):,} {s}" for s in ("accepted", "rejected", "awaiting QA")]
    if statuses.count("not sampled"):
        parts.append(f"{statuses.count('not sampled'):,} not sampled")
    overall = data["overall"]  # over every checked decision, with its own interval (lpo.qa.results)
    return (f"Batches: {', '.join(parts)}. Overall overturn rate: "
            f"{_rate(overall['rate'], overall['lower'], overall['upper'])}, "
            f"{overall['overturned']:,} of {_plural(overall['checked'], 'checked decision')}.")


def elusion_sentence(elusion: dict | None) -> str:
    if elusion is None:
        return "No elusion test has been run."
    return (f"Of {_plural(elusion['population'], 'document')} coded not responsive, "
            f"{elusion['checked']:,} were sampled ({elusion['sample']}) and checked by an attorney; "
            f"{elusion['responsive_found']:,} were responsive. Elusion rate "
            f"{_rate(elusion['rate'], elusion['lower'], elusion['upper'])}; estimated recall "
            f"{_rate(elusion['recall'], elusion['recall_lower'], elusion['recall_upper'])} "
            f"at {_level(elusion['confidence'])} confidence.{_unfinished(elusion)}")


def _unfinished(elusion: dict) -> str:
    """A partly checked elusion sample is an estimate still moving: say so next to its figures."""
    if elusion.get("complete", True):
        return ""
    return f" Checking is not finished: {elusion['checked']:,} of {elusion['size']:,} sampled documents checked."


# --- the tables, as rows of text (cells may be _Html for the HTML renderer) ---------------------


class _Html(str):
    """A cell already written as safe HTML (a link built from escaped parts); never escaped twice."""


@dataclass(frozen=True)
class _Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()   # right-aligned columns
    nowrap: frozenset[int] = frozenset()    # identifiers and rates: never broken at a hyphen or space
    row_ids: list[str] | None = None         # HTML anchors (batches, for re-review links)
    note: str = ""


def _anchor(batch: str) -> str:
    """An HTML id for a batch; every character outside [A-Za-z0-9_-] is encoded, so ids never collide."""
    return "batch-" + "".join(c if c.isascii() and (c.isalnum() or c in "-_") else f".{ord(c):x}." for c in batch)


def _batch_link(name: str | None, known: set[str], html_links: bool) -> str:
    if not name:
        return ""
    if html_links and name in known:
        return _Html(f'<a href="#{_anchor(name)}">{html.escape(name)}</a>')
    return name


def _tables(data: dict, html_links: bool) -> list[_Table]:
    conf = _level(data["protocol"]["confidence"])
    rate_header = f"Overturn rate ({conf} CI)"
    return [_reviewers_table(data, rate_header), _batches_table(data, rate_header, html_links),
            _fields_table(data, rate_header), _samples_table(data, html_links), _overturns_table(data)]


def _reviewers_table(data: dict, rate_header: str) -> _Table:
    rows = [[r["reviewer"], _count(r["decisions"]), _count(r["checked"]), _count(r["overturned"]),
             _rate(r["rate"], r["lower"], r["upper"])] for r in data["reviewers"]]
    return _Table("reviewers", "Overturns by reviewer",
                  ["Reviewer", "Decisions", "Checked", "Overturned", rate_header], rows,
                  frozenset({1, 2, 3}), frozenset({0, 4}))


def _batches_table(data: dict, rate_header: str, html_links: bool) -> _Table:
    known = {b["batch"] for b in data["batches"]}
    rows = []
    for b in data["batches"]:
        rereview = _batch_link(b["rereview_batch"], known, html_links)
        of = _batch_link(b["rereview_of"], known, html_links)
        link = _join_links([("re-reviewed as ", rereview), ("re-review of ", of)], html_links)
        rows.append([b["batch"], ", ".join(b["reviewers"]), b["pool"], _count(b["documents"]),
                     _count(b["checked"]), _count(b["overturned"]), _rate(b["rate"], b["lower"], b["upper"]),
                     _pct(b["threshold"]), b["status"], link])
    return _Table("batches", "Batches",
                  ["Batch", "Reviewers", "Pool", "Documents", "Checked", "Overturned", rate_header,
                   "Threshold", "Status", "Re-review"],
                  rows, frozenset({3, 4, 5}), frozenset({0, 6}), [_anchor(b["batch"]) for b in data["batches"]],
                  "A batch is accepted when the upper bound of its overturn rate is below its threshold.")


def _join_links(parts: list[tuple[str, str]], html_links: bool) -> str:
    present = [(label, target) for label, target in parts if target]
    if not html_links:
        return "; ".join(label + target for label, target in present)
    return _Html("; ".join(html.escape(label) + (target if isinstance(target, _Html) else html.escape(target))
                           for label, target in present))


def _fields_table(data: dict, rate_header: str) -> _Table:
    rows = [[_field(f["field"]), _count(f["checked"]), _count(f["overturned"]),
             _rate(f["rate"], f["lower"], f["upper"])] for f in data["fields"]]
    return _Table("fields", "Overturns by field", ["Field", "Checked", "Overturned", rate_header],
                  rows, frozenset({1, 2}), frozenset({3}))


def _samples_table(data: dict, html_links: bool) -> _Table:
    rows = [[s["name"], s["kind"], _count(s["population"]), _count(s["size"]), _count(s["census"]),
             _level(s["confidence"]), _plan_label(s), str(s["seed"]), _when(s["created_at"]),
             _hash(s["population_sha256"], html_links)] for s in data["samples"]]
    return _Table("samples", "Samples",
                  ["Sample", "Kind", "Population", "Size", "Census", "Confidence", "Plan", "Seed", "Drawn",
                   "Population SHA-256"],
                  rows, frozenset({2, 3, 4, 7}), frozenset({0, 8, 9}),
                  note=("Census: decisions checked in full in addition to the random sample, not counted "
                        "in the estimates. The fingerprint is abbreviated; the full value is in "
                        "the QA records."))


def _plan_label(sample: dict) -> str:
    if sample["plan"] == "margin":
        return f"margin ±{_pct(sample['margin'])}"
    return "accept on zero" if sample["plan"] == "accept_on_zero" else sample["plan"]


def _hash(digest: str | None, as_html: bool) -> str:
    """Abbreviated to fit the table; in HTML the full digest is the cell's tooltip."""
    if not digest or len(digest) <= 12:
        return digest or NONE
    short = digest[:12] + "…"
    return _Html(f'<span title="{html.escape(digest)}">{html.escape(short)}</span>') if as_html else short


def _overturns_table(data: dict) -> _Table:
    rows = [[o["control_number"], o["batch"], o["reviewer"], o["attorney"], _when(o["decided_at"]),
             ", ".join(_field(f) for f in o["fields"]), o["reason"] or ""] for o in data["overturns"]]
    return _Table("overturns", "Overturned decisions",
                  ["Control number", "Batch", "Reviewer", "Attorney", "When", "Fields", "Reason"], rows,
                  nowrap=frozenset({0, 1}))


def _elusion_table(elusion: dict) -> _Table:
    e = elusion
    rows = [["Sample", e["sample"]],
            ["Documents coded not responsive (population)", _count(e["population"])],
            ["Checked", _count(e["checked"])],
            ["Responsive documents found", _count(e["responsive_found"])],
            [f"Elusion rate ({_level(e['confidence'])} CI)", _rate(e["rate"], e["lower"], e["upper"])],
            ["Documents coded responsive", _count(e["produced_responsive"])],
            ["Estimated responsive documents missed",
             NONE if e["estimated_missed"] is None else f"{e['estimated_missed']:,.1f}"],
            [f"Recall ({_level(e['confidence'])} CI)", _rate(e["recall"], e["recall_lower"], e["recall_upper"])]]
    return _Table("elusion", "Elusion test", ["Measure", "Value"], rows, frozenset({1}))


def _prioritised_table(t: dict) -> _Table:
    """Prioritised review (lpo.tar): where the ranked review stopped and the recall estimate of its random share."""
    e = t.get("estimate")
    rows = [["Rounds routed from the ranking", _count(t["rounds"])],
            ["Documents reviewed / reviewable", f"{t['reviewed']:,} / {t['routable']:,}"],
            ["Responsive found by the ranked review", _count(t["found"])],
            ["Knee slope ratio (stop at 156 - min(found, 150))",
             NONE if t["knee_ratio"] is None else f"{t['knee_ratio']:.1f}"],
            ["Knee rule", "stop" if t["knee_stop"] else "review on"],
            ["Target set (responsive random documents reached / needed)",
             f"{t['targets_reached']} of {t['targets']} / {t['target_size']}"],
            [f"Target rule (recall ≥ {_pct(t['target_recall'])} at {_level(t['confidence'])})",
             "met" if t["target_stop"] else "not yet"]]
    if e:
        rows.append([f"Estimated recall ({_level(e['confidence'])} CI, round {e['round']}'s random share of "
                     f"{e['sample']})", _rate(e["recall"], e["lower"], e["upper"])])
    return _Table("prioritised", "Prioritised review", ["Measure", "Value"], rows, frozenset({1}))


def _census_table(census: dict) -> _Table:
    rate = census["overturned"] / census["checked"] if census["checked"] else None
    rows = [["Privilege calls in the census", _count(census.get("documents", census["checked"]))],
            ["Checked", _count(census["checked"])],
            ["Overturned", _count(census["overturned"])],
            ["Overturned share (every call checked, no sampling)", _pct(rate)]]
    return _Table("privilege", "Privilege census", ["Measure", "Value"], rows, frozenset({1}))


# --- charts: inline SVG, horizontal dot-and-whisker rows on a 0..v1 axis ------------------------

_W = 760          # viewBox width; CSS scales it to the page
_X0, _X1 = 240, 560   # the plot area: value v0 = 0 at _X0, v1 at _X1
_LABEL_X = 230    # row labels end here
_VALUE_X = 572    # the printed rate starts here
_TOP = 26         # room for the threshold label
_ROW_H = 22
_AXIS_H = 40
_NICE = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class _Row:
    name: str
    n: int | None
    rate: float | None
    lower: float | None
    upper: float | None
    colour: str = INK
    note: str = ""                    # after the rate, or in its place when nothing was checked
    threshold: float | None = None    # a row's own threshold when it differs from the chart's line


def _a(value: object) -> str:
    """An escaped attribute value (SVG is parsed as XML too, so quotes are always escaped)."""
    return html.escape(str(value), quote=True)


def _f(x: float) -> str:
    return f"{x:.1f}"


def _axis_max(rows: list[_Row], threshold: float | None) -> float:
    """The smallest round axis end that holds every upper bound and the threshold."""
    top = max([v for r in rows for v in (r.rate, r.upper, r.threshold) if v is not None] + [threshold or 0])
    return next((v for v in _NICE if v >= top * 1.05), 1.0)


def _x(value: float, v1: float) -> float:
    return _X0 + min(max(value, 0.0), v1) / v1 * (_X1 - _X0)


def _tick_label(v: float) -> str:
    return f"{v * 100:.1f}".removesuffix(".0") + "%"


def _axis_svg(v1: float, bottom: float, title: str) -> list[str]:
    # data-x0/x1/v0/v1 state the scale, so a reader (or a test) can check where the marks fall.
    out = [f'<g class="axis" data-x0="{_X0}" data-x1="{_X1}" data-v0="0" data-v1="{v1}">',
           f'<line x1="{_X0}" y1="{_f(bottom)}" x2="{_X1}" y2="{_f(bottom)}" stroke="#333"/>']
    for i in range(6):
        v = v1 * i / 5
        x = _f(_x(v, v1))
        out.append(f'<line class="grid" x1="{x}" y1="{_TOP - 4}" x2="{x}" y2="{_f(bottom + 4)}" '
                   f'stroke="{"#333" if i == 0 else "#e2e2e2"}"/>')
        out.append(f'<text x="{x}" y="{_f(bottom + 16)}" text-anchor="middle">{_tick_label(v)}</text>')
    out.append(f'<text x="{(_X0 + _X1) // 2}" y="{_f(bottom + 32)}" text-anchor="middle">{_a(title)}</text>')
    out.append("</g>")
    return out


def _threshold_svg(threshold: float, v1: float, bottom: float) -> list[str]:
    x = _f(_x(threshold, v1))
    line = (f'<line class="threshold" data-value="{threshold}" x1="{x}" y1="{_TOP - 4}" x2="{x}" '
            f'y2="{_f(bottom)}" stroke="#c62828" stroke-width="1.5" stroke-dasharray="5 3"/>')
    label = f'<text x="{x}" y="{_TOP - 10}" text-anchor="middle" fill="#c62828">threshold {_pct(threshold)}</text>'
    return [line, label]


def _row_svg(i: int, row: _Row, v1: float, bars: bool) -> list[str]:
    y = _TOP + i * _ROW_H + _ROW_H / 2
    label = _short(row.name) + ("" if row.n is None else f" (n={row.n:,})")
    value = _rate(row.rate, row.lower, row.upper) if row.rate is not None else ""
    value = " ".join(t for t in (value, row.note) if t)
    full = row.name + ("" if row.n is None else f", n={row.n:,}") + f": {value}"
    out = [f'<g class="row" data-name="{_a(row.name)}">', f"<title>{_a(full)}</title>"]
    if i % 2:  # zebra stripes keep 40 rows readable across the plot
        out.append(f'<rect class="stripe" x="0" y="{_f(y - _ROW_H / 2)}" width="{_W}" height="{_ROW_H}" '
                   'fill="#f6f6f6"/>')
    out.append(f'<text class="label" x="{_LABEL_X}" y="{_f(y + 4)}" text-anchor="end">{_a(label)}</text>')
    out += _marks_svg(row, y, v1, bars)
    out.append(f'<text class="value" x="{_VALUE_X}" y="{_f(y + 4)}">{_a(value or NONE)}</text>')
    out.append("</g>")
    return out


def _marks_svg(row: _Row, y: float, v1: float, bars: bool) -> list[str]:
    out = []
    if row.threshold is not None:
        x = _f(_x(row.threshold, v1))
        out.append(f'<line class="row-threshold" x1="{x}" y1="{_f(y - 8)}" x2="{x}" y2="{_f(y + 8)}" '
                   'stroke="#c62828" stroke-dasharray="2 2"/>')
    if row.rate is None:
        return out
    cx = _x(row.rate, v1)
    if bars:
        out.append(f'<rect class="bar" x="{_X0}" y="{_f(y - 6)}" width="{_f(cx - _X0)}" height="12" '
                   'fill="#9db4cf"/>')
    if row.lower is not None and row.upper is not None:
        lo, hi = _f(_x(row.lower, v1)), _f(_x(row.upper, v1))
        out.append(f'<line class="whisker" x1="{lo}" y1="{_f(y)}" x2="{hi}" y2="{_f(y)}" '
                   f'stroke="{row.colour}" stroke-width="1.5"/>')
        out += [f'<line class="cap" x1="{x}" y1="{_f(y - 5)}" x2="{x}" y2="{_f(y + 5)}" stroke="{row.colour}"/>'
                for x in (lo, hi)]
    out.append(f'<circle class="point" cx="{_f(cx)}" cy="{_f(y)}" r="4" fill="{row.colour}"/>')
    return out


def _forest_svg(chart: str, rows: list[_Row], axis_title: str, *, v1: float | None = None,
                threshold: float | None = None, bars: bool = False) -> str:
    """One row per reviewer/batch/field; the SVG grows with the rows so 40 reviewers stay legible."""
    if not rows:
        return '<p class="no-data">No data yet.</p>'
    v1 = v1 or _axis_max(rows, threshold)
    bottom = _TOP + len(rows) * _ROW_H
    height = bottom + _AXIS_H
    out = [(f'<svg class="chart" data-chart="{chart}" role="img" aria-label="{_a(axis_title)}" '
            f'viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
            'font-family="Helvetica, Arial, sans-serif" font-size="11" fill="#111">')]
    out += _axis_svg(v1, bottom, axis_title)
    for i, row in enumerate(rows):
        out += _row_svg(i, row, v1, bars)
    if threshold is not None:
        out += _threshold_svg(threshold, v1, bottom)
    out.append("</svg>")
    return "\n".join(out)


def _charts(data: dict) -> list[tuple[str, str, str]]:
    """(key, caption, svg or 'no data yet') for each figure, in report order."""
    protocol = data["protocol"]
    conf, threshold = _level(protocol["confidence"]), protocol["threshold"]
    axis = f"Overturn rate, {conf} confidence interval"
    reviewers = [_Row(r["reviewer"], r["checked"], r["rate"], r["lower"], r["upper"],
                      note="" if r["checked"] else "not checked") for r in data["reviewers"]]
    batches = [_Row(b["batch"], b["checked"], b["rate"], b["lower"], b["upper"],
                    STATUS_COLOURS.get(b["status"], INK), b["status"],
                    b["threshold"] if b["threshold"] not in (None, threshold) else None)
               for b in data["batches"]]
    fields = [_Row(_field(f["field"]), f["checked"], f["rate"], f["lower"], f["upper"]) for f in data["fields"]]
    figures = [
        ("reviewers", ("Figure 1. Overturn rate by reviewer (point: estimate; whisker: interval; "
                       "dashed line: acceptance threshold)."),
         _forest_svg("reviewers", reviewers, axis, threshold=threshold)),
        ("batches", ("Figure 2. Acceptance by batch: a batch is accepted when the right end of its whisker "
                     "(the upper bound) lies left of the threshold."),
         _forest_svg("batches", batches, axis, threshold=threshold)),
        ("fields", "Figure 3. Overturns by field.", _forest_svg("fields", fields, axis, bars=True)),
    ]
    e = data.get("elusion")
    if e is not None:
        rows = [_Row("Elusion rate", e["checked"], e["rate"], e["lower"], e["upper"]),
                _Row("Recall (estimated)", None, e["recall"], e["recall_lower"], e["recall_upper"])]
        figures.append(("elusion", "Figure 4. Elusion test: elusion rate and estimated recall.",
                        _forest_svg("elusion", rows, f"Percent, {_level(e['confidence'])} confidence interval",
                                    v1=1.0)))
    return figures


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 Georgia, "Times New Roman", serif; color: #111; max-width: 62rem;
       margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 .5rem; border-bottom: 1px solid #888; padding-bottom: .15rem; }
.matter { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: .4rem 0 .6rem; }
th, td { border: 1px solid #bbb; padding: .2rem .4rem; text-align: left; vertical-align: top; }
th { background: #efefef; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.reason { white-space: pre-line; }
td.nowrap, td a { white-space: nowrap; }
table.measures { width: auto; min-width: 50%; }
.note, .no-data { font-size: 9.5pt; color: #444; }
.no-data { font-style: italic; }
figure { margin: 1.2rem 0; break-inside: avoid; }
figcaption { font-size: 9.5pt; margin-bottom: .3rem; }
svg.chart { width: 100%; max-width: 760px; height: auto; }
.swatch { display: inline-block; width: .8em; height: .8em; margin: 0 .25em 0 .8em; vertical-align: -.05em; }
.accepted { background: #2e7d32; } .rejected { background: #c62828; }
.awaiting { background: #757575; } .not-sampled { background: #b0b0b0; }
footer { margin-top: 2rem; font-size: 9pt; color: #555; border-top: 1px solid #bbb; padding-top: .4rem; }
@page { margin: 0.75in; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""

# The policy repeats in the document what the report promises: nothing is fetched from anywhere.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_LEGEND = ('<span class="swatch accepted"></span>accepted<span class="swatch rejected"></span>rejected'
           '<span class="swatch awaiting"></span>awaiting QA<span class="swatch not-sampled"></span>not sampled')


def _cell(value: str | None) -> str:
    if value is None:  # e.g. the batch of a document QA found outside any batch
        return NONE
    return value if isinstance(value, _Html) else html.escape(str(value))


def _html_table(t: _Table) -> str:
    if not t.rows:
        return f'<section id="{t.key}"><h2>{html.escape(t.title)}</h2><p class="no-data">No data yet.</p></section>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.headers)
    body = []
    for i, row in enumerate(t.rows):
        row_id = f' id="{t.row_ids[i]}"' if t.row_ids else ""
        cells = "".join(f'<td{_td_class(t, j)}>{_cell(v)}</td>' for j, v in enumerate(row))
        body.append(f"<tr{row_id}>{cells}</tr>")
    note = f'<p class="note">{html.escape(t.note)}</p>' if t.note else ""
    return (f'<section id="{t.key}"><h2>{html.escape(t.title)}</h2>'
            f'<table id="table-{t.key}"{_table_class(t)}><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body)
            + f"\n</tbody></table>{note}</section>")


def _table_class(t: _Table) -> str:
    return ' class="measures"' if t.headers == ["Measure", "Value"] else ""  # two columns need no full width


def _td_class(t: _Table, column: int) -> str:
    if column in t.numeric:
        return ' class="num"'
    if column in t.nowrap:
        return ' class="nowrap"'
    return ' class="reason"' if t.key == "overturns" and t.headers[column] == "Reason" else ""


def _figure_html(key: str, caption: str, body: str) -> str:
    legend = f"<br>{_LEGEND}" if key == "batches" and "<svg" in body else ""
    return f'<figure id="figure-{key}"><figcaption>{html.escape(caption)}{legend}</figcaption>\n{body}\n</figure>'


def render_html(data: dict) -> str:
    """The QA report as one self-contained HTML5 document: inline CSS and SVG, no script, no URL."""
    matter = data["matter"]
    sections = [
        (f"<header><h1>Attorney QA report</h1><p class=\"matter\">Matter: <strong>{html.escape(matter)}</strong>"
         f" · Client: {html.escape(data['client'])} · Generated: {html.escape(_when(data['generated_at']))}</p>"
         "</header>"),
        '<section id="method"><h2>Method</h2><p>'
        + " ".join(html.escape(s) for s in method_sentences(data)) + "</p></section>",
        f'<section id="summary"><h2>Summary</h2><p>{html.escape(summary_sentence(data))}</p></section>',
        '<section id="charts"><h2>Charts</h2>'
        + "\n".join(_figure_html(*figure) for figure in _charts(data)) + "</section>",
    ]
    sections += [_html_table(t) for t in _tables(data, html_links=True)]
    if data.get("privilege_census"):
        sections.append(_html_table(_census_table(data["privilege_census"])))
    sections.append(_elusion_html(data.get("elusion")))
    if data.get("prioritised"):
        sections.append(_html_table(_prioritised_table(data["prioritised"])))
    sections.append("<footer>Prepared with lpo. This document is self-contained: it loads no script, "
                    "font, stylesheet or image from anywhere.</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            '<meta name="referrer" content="no-referrer">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>Attorney QA report – {html.escape(matter)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(sections) + "\n</body>\n</html>\n")


def _elusion_html(elusion: dict | None) -> str:
    if elusion is None:
        return f'<section id="elusion"><h2>Elusion test</h2><p>{html.escape(elusion_sentence(None))}</p></section>'
    table = _html_table(_elusion_table(elusion))
    return table.replace("</h2>", f"</h2><p>{html.escape(elusion_sentence(elusion))}</p>", 1)


# --- markdown (a Prefect artifact: GitHub-flavoured, tables only) -------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def _md(value: str) -> str:
    """A table cell: one line, markdown punctuation and pipes escaped, raw HTML neutralised."""
    text = html.escape(" ".join(str(NONE if value is None else value).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_table(t: _Table) -> list[str]:
    lines = [f"## {t.title}", ""]
    if not t.rows:
        return lines + ["No data yet.", ""]
    lines.append("| " + " | ".join(_md(h) for h in t.headers) + " |")
    lines.append("|" + "|".join("---:" if j in t.numeric else "---" for j in range(len(t.headers))) + "|")
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in t.rows]
    if t.note:
        lines += ["", _md(t.note)]
    return lines + [""]


def render_markdown(data: dict) -> str:
    """The report's text and tables in GitHub-flavoured markdown (no charts)."""
    lines = [f"# Attorney QA report: {_md(data['matter'])}", "",
             f"Client: {_md(data['client'])} · Generated: {_md(_when(data['generated_at']))}", "",
             "## Method", "", _md(" ".join(method_sentences(data))), "",
             "## Summary", "", _md(summary_sentence(data)), ""]
    for t in _tables(data, html_links=False):
        lines += _md_table(t)
    if data.get("privilege_census"):
        lines += _md_table(_census_table(data["privilege_census"]))
    if data.get("elusion") is None:
        lines += ["## Elusion test", "", _md(elusion_sentence(None)), ""]
    else:
        table = _md_table(_elusion_table(data["elusion"]))
        lines += table[:2] + [_md(elusion_sentence(data["elusion"])), ""] + table[2:]
    if data.get("prioritised"):
        lines += _md_table(_prioritised_table(data["prioritised"]))
    return "\n".join(lines)
