"""The attorney QA report: well-formed, self-contained, escaped, and charts whose geometry matches the data."""

from __future__ import annotations

import copy
import itertools
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from lpo.qa.report import render_html, render_markdown

SCRIPT_REVIEWER = "<script>alert(1)</script>@evil.example"
PIPE_REASON = "Privileged: counsel <Ms. Ortiz> & team | forwarded to PR firm"


def _reviewer(name: str, decisions: int, checked: int, overturned: int, lower: float, upper: float) -> dict:
    return {"reviewer": name, "decisions": decisions, "checked": checked, "overturned": overturned,
            "rate": overturned / checked if checked else None, "lower": lower, "upper": upper}


def _batch(name: str, reviewer: str, checked: int, overturned: int, lower, upper, status: str,
           rereview_batch=None, rereview_of=None) -> dict:
    return {"batch": name, "reviewers": [reviewer], "pool": "offshore", "documents": 50, "checked": checked,
            "overturned": overturned, "rate": overturned / checked if checked else None, "lower": lower,
            "upper": upper, "threshold": 0.10, "status": status, "rereview_batch": rereview_batch,
            "rereview_of": rereview_of}


def qa_data() -> dict:
    """A small matter after one round of QA: one batch rejected and re-reviewed, one awaiting QA."""
    reviewers = [
        _reviewer("priya.nair@offshore.example", 100, 66, 2, 0.01, 0.07),
        _reviewer("j.santos@offshore.example", 100, 66, 7, 0.055, 0.17),
        _reviewer(SCRIPT_REVIEWER, 50, 33, 0, 0.0, 0.06),
        _reviewer("a.reviewer.with.a.remarkably.long.address@offshore-review-centre.example", 50, 33, 1, 0.005, 0.10),
        _reviewer("new.hire@offshore.example", 20, 0, 0, None, None),
    ]
    batches = [
        _batch("FP-0001", "priya.nair@offshore.example", 33, 1, 0.01, 0.08, "accepted"),
        _batch("FP-0002", "j.santos@offshore.example", 33, 6, 0.09, 0.30, "rejected", rereview_batch="FP-0002-RR1"),
        _batch("FP-0002-RR1", "priya.nair@offshore.example", 33, 0, 0.0, 0.06, "accepted", rereview_of="FP-0002"),
        _batch("FP-0003", SCRIPT_REVIEWER, 0, 0, None, None, "awaiting QA"),
        _batch("FP-0004", "new.hire@offshore.example", 0, 0, None, None, "not sampled"),
    ]
    fields = [
        {"field": "responsive", "checked": 198, "overturned": 6, "rate": 0.0303, "lower": 0.015, "upper": 0.06},
        {"field": "privilege", "checked": 198, "overturned": 3, "rate": 0.0152, "lower": 0.005, "upper": 0.04},
        {"field": "issue_codes", "checked": 198, "overturned": 4, "rate": 0.0202, "lower": 0.008, "upper": 0.05},
        {"field": "designation", "checked": 198, "overturned": 1, "rate": 0.0051, "lower": 0.001, "upper": 0.03},
        {"field": "redactions", "checked": 198, "overturned": 0, "rate": 0.0, "lower": 0.0, "upper": 0.02},
    ]
    overturns = [
        {"control_number": "ACME-000012", "batch": "FP-0002", "reviewer": "j.santos@offshore.example",
         "attorney": "m.ortiz@firm.example", "decided_at": "2026-11-23T16:05:00+00:00",
         "fields": ["responsive", "privilege"], "reason": PIPE_REASON},
        {"control_number": "ACME-000047", "batch": "FP-0002", "reviewer": "j.santos@offshore.example",
         "attorney": "m.ortiz@firm.example", "decided_at": "2026-11-23T16:20:00-05:00",
         "fields": ["issue_codes"], "reason": "Recall notice: code Product defect, not Pricing."},
        {"control_number": "ACME-000101", "batch": "FP-0001", "reviewer": "priya.nair@offshore.example",
         "attorney": "d.kim@firm.example", "decided_at": "2026-11-22T09:00:00+00:00",
         "fields": ["designation"], "reason": "Contains pricing terms:\nConfidential, not Highly Confidential."},
    ]
    samples = [
        {"name": "QA-0001", "kind": "acceptance", "population": 200, "size": 132, "census": 12, "confidence": 0.95,
         "margin": 0.05, "seed": 20261124, "plan": "margin", "created_at": "2026-11-22T08:00:00+00:00",
         "population_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
        {"name": "ELU-0001", "kind": "elusion", "population": 400, "size": 120, "census": 0, "confidence": 0.95,
         "margin": 0.05, "seed": 20261125, "plan": "margin", "created_at": "2026-11-23T08:00:00+00:00",
         "population_sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"},
    ]
    return {
        "matter": "Acme v. Globex", "client": "Acme Corp", "generated_at": "2026-11-24T03:00:00+00:00",
        "protocol": {"confidence": 0.95, "margin": 0.05, "threshold": 0.10, "plan": "margin",
                     "all_privileged": True, "interval": "Wilson score, finite-population corrected"},
        "samples": samples, "reviewers": reviewers, "batches": batches, "fields": fields, "overturns": overturns,
        "elusion": {"sample": "ELU-0001", "population": 400, "checked": 120, "responsive_found": 2,
                    "rate": 0.0167, "lower": 0.005, "upper": 0.05, "produced_responsive": 150,
                    "estimated_missed": 6.7, "recall": 0.957, "recall_lower": 0.88, "recall_upper": 0.99,
                    "confidence": 0.95},
        "privilege_census": {"checked": 12, "overturned": 1},
        "overall": {"population": 270, "checked": 198, "overturned": 10, "rate": 10 / 198,
                    "lower": 0.031, "upper": 0.082},
    }


# --- helpers that read the output back ---------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Nesting(HTMLParser):
    """Checks every non-void element is closed in order (html.parser alone accepts anything)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass  # <line .../> inside SVG

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Nesting:
    p = _Nesting()
    p.feed(page)
    p.close()
    return p


def _svgs(page: str) -> dict[str, ET.Element]:
    """Each chart's <svg> parsed as XML, by its data-chart name."""
    found = {}
    for fragment in re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL):
        svg = ET.fromstring(fragment)  # raises on any ill-formed fragment
        found[svg.get("data-chart")] = svg
    return found


def _by_class(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [e for e in svg.iter() if cls in (e.get("class") or "").split()]


def _scale(svg: ET.Element):
    axis = _by_class(svg, "axis")[0]
    x0, x1, v0, v1 = (float(axis.get(k)) for k in ("data-x0", "data-x1", "data-v0", "data-v1"))
    return lambda v: x0 + (v - v0) / (v1 - v0) * (x1 - x0)


def _row(svg: ET.Element, name: str) -> ET.Element:
    return next(g for g in _by_class(svg, "row") if g.get("data-name") == name)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", "".join(_parse(page).text))


class _Cells(HTMLParser):
    """The body rows of one table, as lists of cell text."""

    def __init__(self, table_id: str):
        super().__init__(convert_charrefs=True)
        self.table_id, self.inside, self.in_cell, self.rows = table_id, False, False, []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.inside = dict(attrs).get("id") == self.table_id
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag):
        self.inside = self.inside and tag != "table"
        self.in_cell = self.in_cell and tag != "td"

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def _table_rows(page: str, table_id: str) -> list[list[str]]:
    p = _Cells(table_id)
    p.feed(page)
    return [r for r in p.rows if r]  # the header row has <th>, no <td>


def _md_section(md: str, title: str) -> list[str]:
    lines = md.split("\n")
    start = lines.index(f"## {title}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def _md_rows(md: str, title: str) -> list[list[str]]:
    """Data rows of the section's table, split on unescaped pipes."""
    table = [line for line in _md_section(md, title) if line.startswith("|")][2:]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in table]


# --- HTML ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(qa_data())


def test_html_is_well_formed(page):
    parsed = _parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.errors == []
    assert parsed.stack == []


def test_one_well_formed_svg_per_chart_in_order(page):
    assert list(_svgs(page)) == ["reviewers", "batches", "fields", "elusion"]


def test_reviewer_chart_has_a_whisker_and_point_per_checked_reviewer(page):
    svg = _svgs(page)["reviewers"]
    data = qa_data()
    checked = [r for r in data["reviewers"] if r["checked"]]
    assert len(_by_class(svg, "row")) == len(data["reviewers"])
    assert len(_by_class(svg, "whisker")) == len(checked)
    assert len(_by_class(svg, "point")) == len(checked)
    # labels carry n, so a reader sees how much each rate rests on
    assert "(n=66)" in _row(svg, "priya.nair@offshore.example").find("text").text


def test_threshold_line_and_marks_sit_where_the_axis_puts_them(page):
    for chart in ("reviewers", "batches"):
        svg = _svgs(page)[chart]
        x = _scale(svg)
        line = _by_class(svg, "threshold")[0]
        assert float(line.get("x1")) == pytest.approx(x(0.10), abs=0.06)
        assert float(line.get("x2")) == pytest.approx(x(0.10), abs=0.06)
    svg = _svgs(page)["reviewers"]
    x = _scale(svg)
    row = _row(svg, "j.santos@offshore.example")
    whisker = _by_class(row, "whisker")[0]
    assert float(_by_class(row, "point")[0].get("cx")) == pytest.approx(x(7 / 66), abs=0.06)
    assert float(whisker.get("x1")) == pytest.approx(x(0.055), abs=0.06)
    assert float(whisker.get("x2")) == pytest.approx(x(0.17), abs=0.06)


def test_batch_marks_are_coloured_by_status(page):
    svg = _svgs(page)["batches"]
    assert _by_class(_row(svg, "FP-0001"), "point")[0].get("fill") == "#2e7d32"
    assert _by_class(_row(svg, "FP-0002"), "point")[0].get("fill") == "#c62828"
    assert _by_class(_row(svg, "FP-0003"), "point") == []  # awaiting QA: nothing to plot yet
    assert "awaiting QA" in _row(svg, "FP-0003").find("text[@class='value']").text


def test_field_chart_has_a_bar_and_whisker_per_field(page):
    svg = _svgs(page)["fields"]
    assert len(_by_class(svg, "bar")) == 5
    assert len(_by_class(svg, "whisker")) == 5
    assert _by_class(svg, "threshold") == []  # the acceptance rule is per batch, not per field


def test_elusion_chart_is_on_a_0_to_100_axis(page):
    svg = _svgs(page)["elusion"]
    axis = _by_class(svg, "axis")[0]
    assert (axis.get("data-v0"), axis.get("data-v1")) == ("0", "1.0")
    recall = _row(svg, "Recall (estimated)")
    assert float(_by_class(recall, "point")[0].get("cx")) == pytest.approx(_scale(svg)(0.957), abs=0.06)


def test_typed_text_is_escaped(page):
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@evil.example" in page
    assert "counsel &lt;Ms. Ortiz&gt; &amp; team" in page


def test_nothing_is_fetched_from_anywhere(page):
    lowered = page.lower()
    for needle in ("http://", "https://", "src=", "url(", "@import", "<link", "<img", "<iframe", "<object"):
        assert needle not in lowered, needle
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', page))
    assert "default-src 'none'" in page


def test_rereview_links_point_at_existing_batch_rows(page):
    targets = re.findall(r'href="#([^"]+)"', page)
    assert len(targets) == 2  # FP-0002 -> FP-0002-RR1 and back
    for target in targets:
        assert page.count(f'id="{target}"') == 1


def test_rates_are_percentages_with_one_decimal(page):
    rows = {r[0]: r for r in _table_rows(page, "table-reviewers")}
    assert len(rows) == 5
    assert rows["priya.nair@offshore.example"][1:] == ["100", "66", "2", "3.0% (1.0%-7.0%)"]
    assert rows["new.hire@offshore.example"][1:] == ["20", "0", "0", "–"]  # nothing checked: no rate
    assert rows[SCRIPT_REVIEWER][-1] == "0.0% (0.0%-6.0%)"


def test_method_states_the_protocol(page):
    text = _text(page)
    assert "margin of error of ±5.0% at 95% confidence" in text
    assert "upper bound of its error rate is below 10.0%" in text
    assert "random seed" in text and "20261124" in text and "9f86d081884c…" in text
    assert "Wilson score, finite-population corrected" in text
    assert "not counted in the estimates (12 privilege calls checked this way, 1 overturned)" in text


def test_summary_counts_batches_and_gives_the_overall_rate(page):
    text = _text(page)
    assert "Batches: 2 accepted, 1 rejected, 1 awaiting QA, 1 not sampled." in text
    assert "Overall overturn rate: 5.1% (3.1%-8.2%), 10 of 198 checked decisions" in text


def test_accept_on_zero_and_no_privilege_census_change_the_method():
    data = qa_data()
    data["protocol"].update(plan="accept_on_zero", all_privileged=False)
    data["privilege_census"] = None
    text = _text(render_html(data))
    assert "acceptance on zero" in text
    assert "Every privilege call was checked" not in text
    assert "Every privilege call was checked" in _text(render_html(qa_data()))


def test_no_elusion_test():
    data = qa_data()
    data["elusion"] = None
    page = render_html(data)
    assert "elusion" not in _svgs(page)
    for section in ("method", "elusion"):  # said where the reader looks for it: the method and its own section
        html_section = re.search(rf'<section id="{section}">.*?</section>', page, flags=re.DOTALL).group(0)
        assert "No elusion test has been run." in _text(html_section), section


def test_no_reviewers_yet_says_so_instead_of_an_empty_chart():
    data = qa_data()
    data["reviewers"] = []
    page = render_html(data)
    assert "reviewers" not in _svgs(page)
    figure = re.search(r'<figure id="figure-reviewers">.*?</figure>', page, flags=re.DOTALL).group(0)
    assert "No data yet." in figure
    assert _parse(page).errors == []


def test_forty_reviewers_stay_legible():
    data = qa_data()
    data["reviewers"] = [_reviewer(f"reviewer{i:02d}@offshore.example", 60, 40, i % 5, 0.0, 0.05 + i / 400)
                         for i in range(40)]
    svg = _svgs(render_html(data))["reviewers"]
    small = _svgs(render_html(qa_data()))["reviewers"]
    assert float(svg.get("height")) >= 40 * 14 > float(small.get("height"))
    assert len(_by_class(svg, "whisker")) == 40
    ys = sorted(float(t.get("y")) for t in _by_class(svg, "label"))
    assert min(b - a for a, b in itertools.pairwise(ys)) >= 14  # 11px labels never overlap
    assert max(ys) < float(_by_class(svg, "axis")[0].find("line").get("y1"))  # all above the axis


def test_long_names_are_truncated_with_the_full_name_in_the_title(page):
    name = qa_data()["reviewers"][3]["reviewer"]
    row = _row(_svgs(page)["reviewers"], name)
    label = row.find("text").text
    assert name not in label and label.startswith(name[:20]) and "…" in label
    assert name in row.find("title").text


# --- markdown ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def md() -> str:
    return render_markdown(qa_data())


def test_markdown_tables_have_a_row_per_item(md):
    data = qa_data()
    counts = {"Overturns by reviewer": len(data["reviewers"]), "Batches": len(data["batches"]),
              "Overturns by field": len(data["fields"]), "Samples": len(data["samples"]),
              "Overturned decisions": len(data["overturns"]), "Elusion test": 8, "Privilege census": 4}
    for title, n in counts.items():
        rows = _md_rows(md, title)
        header = next(line for line in _md_section(md, title) if line.startswith("|"))
        width = len(re.split(r"(?<!\\)\|", header)) - 2
        assert len(rows) == n, title
        assert all(len(r) == width for r in rows), title


def test_markdown_escapes_pipes_and_html(md):
    reason = next(r for r in _md_rows(md, "Overturned decisions") if r[0] == "ACME-000012")[-1]
    assert reason == r"Privileged: counsel &lt;Ms. Ortiz&gt; &amp; team \| forwarded to PR firm"
    assert "<script" not in md
    # a reason typed over two lines stays in its row
    assert any(r[-1].startswith("Contains pricing terms: Confidential") for r in _md_rows(md, "Overturned decisions"))


def test_markdown_has_no_charts_and_reports_missing_elusion():
    data = qa_data()
    data["elusion"] = None
    data["reviewers"] = []
    md = render_markdown(data)
    assert "<svg" not in md
    assert _md_section(md, "Elusion test")[1] == "No elusion test has been run."
    assert "No data yet." in _md_section(md, "Overturns by reviewer")


def test_markdown_rates_match_html(md):
    priya = next(r for r in _md_rows(md, "Overturns by reviewer") if r[0] == "priya.nair@offshore.example")
    assert priya[-1] == "3.0% (1.0%-7.0%)"
    fp2 = next(r for r in _md_rows(md, "Batches") if r[0] == "FP-0002")
    assert (fp2[-2], fp2[-1]) == ("rejected", "re-reviewed as FP-0002-RR1")


def test_lead_results_extras_are_used():
    """The keys lpo.qa.results adds: census documents, unfinished elusion, unknown batch or reviewer."""
    data = qa_data()
    data["privilege_census"] = {"documents": 15, "checked": 12, "overturned": 1}
    data["elusion"].update(size=150, complete=False)
    data["overturns"][0].update(batch=None, reviewer=None)
    page = render_html(data)
    text = _text(page)
    assert ["Privilege calls in the census", "15"] in _table_rows(page, "table-privilege")
    assert "Checking is not finished: 120 of 150 sampled documents checked." in text
    assert _table_rows(page, "table-overturns")[0][1:3] == ["–", "–"]
    assert _md_rows(render_markdown(data), "Overturned decisions")[0][1:3] == ["–", "–"]


def test_render_does_not_mutate_its_input():
    data = qa_data()
    before = copy.deepcopy(data)
    render_html(data)
    render_markdown(data)
    assert data == before
