"""Pre-tags in a real Label Studio highlight exactly the characters they were computed on.

A first-pass task is built by lpo.review.tasks.build_first_pass_task with the
pipeline's pre-tags on a text with accented letters and astral characters
(emoji, a mathematical letter, a flag) before and between the spans, imported
into the Label Studio of the test session (fixture ``label_studio``), and read
back.

What the offsets mean. Label Studio stores a Text region's ``start``/``end`` as
it receives them; its editor (1.23) turns them into highlights by walking the
text as an array of code points (``[...text]``), not of UTF-16 code units, so a
prediction's offsets are Python string indices and ``pretag_prediction`` needs
no conversion. The export test checks the stored side; the browser test checks
the editor side by rendering the task in headless Chromium and reading what is
highlighted. The browser test needs Chromium, its driver and Selenium (Debian
``chromium chromium-driver``, PyPI ``selenium``) and is skipped without them.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import time
import uuid

import pytest

from lpo.matter import Counsel, Protocol
from lpo.models import Document
from lpo.review import config as c
from lpo.review.config import render_config
from lpo.review.tasks import build_first_pass_task
from nlp.pipeline import Pretagger

pytestmark = pytest.mark.labelstudio

PROTOCOL = Protocol(instructions="Pre-tag offsets", counsel=Counsel(names=["Richard B. Sanders"]),
                    search_terms=["surcharge"], pii_types=["ssn", "payment_card", "phone", "email"])
# Astral characters (outside the Basic Multilingual Plane: two UTF-16 code units each) before
# and between the spans, so UTF-16 offsets would land elsewhere.
TEXT = ("Zoë 😀 wrote from Zürich 👍🏽: SSN 512-44-8790, call (312) 555-0151.\n"
        "𝒜 note for R. Sanders 🇺🇸 on the surcharge — card 4111 1111 1111 1111, e-mail "
        "zoe.muller@initechmotion.com 😀😀 end")


def _utf16_slice(text: str, start: int, end: int) -> str:
    units = text.encode("utf-16-le")
    return units[2 * start:2 * end].decode("utf-16-le", errors="replace")


@pytest.fixture(scope="module")
def pretags():
    [(_, tags, _, _)] = Pretagger(PROTOCOL, model_package="lpo_no_such_package", n_process=1).tag([("PT1", TEXT)])
    assert {t.label for t in tags} >= {"PII_SSN", "PII_PHONE", "PII_CARD", "PII_EMAIL", "PRIV_COUNSEL", "TERM"}
    # no overlaps, so each highlight in the editor is one pre-tag
    assert all(a.end <= b.start for a, b in itertools.pairwise(tags))
    return tags


@pytest.fixture(scope="module")
def imported(label_studio, pretags):
    h = hashlib.sha256(TEXT.encode()).hexdigest()
    doc = Document(control_number="PT1", custodian="Zoë Müller", family_id="PT1", md5=h[:32], sha1=h[:40],
                   sha256=h, source_path="notes/zoë.txt", file_name="zoë.txt", extension="txt",
                   mime_type="text/plain", size=len(TEXT.encode()))
    task = build_first_pass_task(doc, TEXT, pretags, "B001")
    site = label_studio.site("pretag-offsets")
    pid = site.create_project(f"pretag offsets {uuid.uuid4().hex[:8]}", render_config("first_pass", PROTOCOL))
    [task_id] = site.import_tasks(pid, [task])
    yield site, pid, task_id
    site.delete_project(pid)


def test_exported_predictions_slice_the_text_label_studio_holds(imported, pretags):
    site, pid, _ = imported
    [exported] = site.export_snapshot(pid)
    text = exported["data"][c.TEXT]
    assert text == TEXT
    [prediction] = exported["predictions"]
    results = sorted(prediction["result"], key=lambda r: r["value"]["start"])
    assert len(results) == len(pretags)
    for r, tag in zip(results, pretags):
        v = r["value"]
        assert text[v["start"]:v["end"]] == v["text"] == tag.text, (tag.label, v)
        assert v["labels"] == [tag.label]
    # the text does discriminate: read as UTF-16 code units, the same offsets miss
    assert sum(_utf16_slice(text, r["value"]["start"], r["value"]["end"]) != r["value"]["text"]
               for r in results) >= len(results) - 2


def _browser():
    try:
        from selenium import webdriver
    except ImportError:
        return None, "selenium is not installed (test-only: pip install selenium)"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        return None, "Chromium and its driver are not installed (Debian: apt-get install chromium chromium-driver)"
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1200"):
        opts.add_argument(arg)
    opts.binary_location = chromium
    return webdriver.Chrome(service=webdriver.ChromeService(driver), options=opts), ""


HIGHLIGHTS_JS = """
const roots = [document, ...Array.from(document.querySelectorAll('iframe'))
    .map(f => { try { return f.contentDocument } catch (e) { return null } }).filter(Boolean)];
return roots.flatMap(d => Array.from(d.querySelectorAll('.htx-highlight'))).map(el => el.textContent);
"""


def test_editor_highlights_exactly_the_pretag_characters(imported, label_studio, pretags):
    drv, why = _browser()
    if drv is None:
        pytest.skip(f"browser check skipped: {why}")
    from selenium.webdriver.common.by import By

    _, pid, task_id = imported
    try:
        drv.get(f"{label_studio.url}/user/login")
        deadline = time.monotonic() + 30
        while not drv.find_elements(By.NAME, "email") and time.monotonic() < deadline:
            time.sleep(0.5)
        drv.find_element(By.NAME, "email").send_keys(label_studio.username)
        drv.find_element(By.NAME, "password").send_keys(label_studio.password)
        drv.find_element(By.CSS_SELECTOR, "button[type=submit], input[type=submit]").click()
        time.sleep(1)
        drv.get(f"{label_studio.url}/projects/{pid}/data?task={task_id}")
        highlighted: list[str] = []
        deadline = time.monotonic() + float(os.environ.get("LPO_TEST_BROWSER_TIMEOUT", "90"))
        while len(highlighted) < len(pretags) and time.monotonic() < deadline:
            time.sleep(1)
            highlighted = drv.execute_script(HIGHLIGHTS_JS)
    finally:
        drv.quit()
    assert highlighted == [t.text for t in pretags]
