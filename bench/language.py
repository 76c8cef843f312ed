"""Language detection: the English shortcut against Lingua alone, same texts, same run.

    .venv/bin/python -m bench.language [--corpora ../shared/corpora]

Texts: the Reuters-21578 bodies, and the text of every document ingest reads from the shared
PDFs, emails and office files (attachments included). For each text: Lingua's answer on the
sample, and whether the shortcut (lpo.ingest.language.clearly_english) answers English for it.
Prints how often the shortcut answers, whether it ever disagrees with Lingua, and the CPU time
of each way a text.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from lpo.content import ContentStore
from lpo.ingest import list_files
from lpo.ingest.language import LETTER, MIN_LETTERS, SAMPLE_CHARS, _detector, clearly_english
from lpo.ingest.manager import _walk, extract_file

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def corpus_texts(corpora: Path) -> list[tuple[str, str]]:
    texts = []
    for f in sorted((corpora / "labeled" / "reuters21578").glob("*.sgm")):
        raw = f.read_text(encoding="latin-1")
        texts += [(f"reuters:{f.name}", body) for body in re.findall(r"<BODY>(.*?)</BODY>", raw, re.S)]
    with tempfile.TemporaryDirectory() as tmp:
        content = ContentStore(tmp)
        for sub in ("pdf", "email", "office"):
            if not (corpora / sub).is_dir():
                continue
            for p in list_files(corpora / sub):
                node = extract_file(content, corpora / sub, p).node(content)
                texts += [(f"{sub}:{p}", content.read_text(n.text_sha256))
                          for n, _, _ in _walk(node, "", None) if n.text_sha256]
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", type=Path, default=CORPORA)
    a = ap.parse_args()
    if not a.corpora.is_dir():
        raise SystemExit(f"{a.corpora} is absent: nothing to measure")
    t0 = time.perf_counter()
    texts = corpus_texts(a.corpora)
    print(f"{len(texts):,} texts from {a.corpora} in {time.perf_counter() - t0:.0f} s")
    _detector().detect_language_of("warm up the models")

    c0 = time.process_time()
    lingua = []
    for _, t in texts:  # detect_language without the shortcut
        sample = t[:SAMPLE_CHARS]
        lang = _detector().detect_language_of(sample) if len(LETTER.findall(sample)) >= MIN_LETTERS else None
        lingua.append(lang.iso_code_639_1.name.lower() if lang else None)
    c_lingua = time.process_time() - c0
    c0 = time.process_time()
    fast = [clearly_english(t[:SAMPLE_CHARS]) for _, t in texts]
    c_fast = time.process_time() - c0

    english = sum(code == "en" for code in lingua)
    answered = [i for i, f in enumerate(fast) if f]
    wrong = [i for i in answered if lingua[i] != "en"]
    print(f"Lingua: {Counter(lingua).most_common(8)} ...; {1000 * c_lingua / len(texts):.3f} ms CPU a text")
    print(f"shortcut: answers English for {len(answered):,} texts, {len(answered) / max(english, 1):.0%} of the "
          f"{english:,} Lingua calls English; {1000 * c_fast / len(texts):.3f} ms CPU a text")
    print(f"disagreements with Lingua: {len(wrong)}")
    for i in wrong[:10]:
        print(f"  Lingua {lingua[i]}: {texts[i][0]}: {texts[i][1][:100]!r}")


if __name__ == "__main__":
    main()
