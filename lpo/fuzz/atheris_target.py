"""A libFuzzer target (atheris) for one parser family: coverage-guided, in this process.

    python -m lpo.fuzz.atheris_target FAMILY [libFuzzer flags, e.g. -max_total_time=60 -seed=0]

The family's seed files are the starting corpus. Each input is extracted the way a
worker does (lpo.ingest.manager's extraction into a throwaway content store), so a
parser's own exception is filed as 'corrupt' as in ingest; what escapes that is a crash
and stops the fuzzer with its input saved (libFuzzer's crash-* file). Hangs and memory
are libFuzzer's -timeout and -rss_limit_mb. Optional: needs `pip install atheris`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

# Python libraries behind each family, instrumented for coverage along with lpo.ingest. Not
# everything loaded: instrumenting every module (reportlab, pydantic, ...) takes minutes.
LIBRARIES = {"text": ("charset_normalizer",), "csv": ("charset_normalizer",), "html": ("lxml.html",),
             "rtf": ("striprtf.striprtf",), "pdf": ("pypdf",), "office": ("docx", "openpyxl", "pptx", "odf.opendocument"),
             "msg": ("extract_msg", "olefile", "compressed_rtf"), "legacy": ("olefile", "msoffcrypto"),
             "image": ("PIL.Image", "PIL.TiffImagePlugin", "PIL.PngImagePlugin", "PIL.GifImagePlugin",
                       "PIL.JpegImagePlugin", "PIL.BmpImagePlugin")}


def main() -> None:
    import importlib

    import atheris

    family, flags = sys.argv[1], sys.argv[2:]
    with atheris.instrument_imports():
        import lpo.ingest.manager  # noqa: F401  the ingestors, instrumented
        for module in LIBRARIES.get(family, ()):
            try:
                importlib.import_module(module)
            except ImportError:
                pass
    from lpo.content import ContentStore
    from lpo.fuzz.runner import CATCH_ALL
    from lpo.fuzz.seeds import FAMILIES
    from lpo.ingest.base import DEFAULT_CONTEXT
    from lpo.ingest.manager import _extract

    seeds = FAMILIES[family]()
    names = [n for n, _ in seeds]
    # libFuzzer ends the process with exit(): a temporary folder would never be removed. bench/fuzz.py
    # passes one it removes itself (LPO_FUZZ_TMP).
    work = Path(os.environ.get("LPO_FUZZ_TMP") or tempfile.mkdtemp(prefix=f"lpo-atheris-{family}-"))
    corpus = work / "corpus"
    corpus.mkdir()
    for i, (_, data) in enumerate(seeds):
        (corpus / f"seed{i}").write_bytes(bytes([i]) + data)  # the first byte picks the file name
    content = ContentStore(work / "content")
    errors: Counter = Counter()

    def one_input(buf: bytes) -> None:
        if not buf:
            return
        name, data = names[buf[0] % len(names)], buf[1:]
        node = _extract(content, name, data, 0, DEFAULT_CONTEXT)  # what escapes this is a crash
        if node.error_reason == "corrupt" and (m := CATCH_ALL.search(node.error_detail or "")):
            if not errors[m.group(1)]:  # the first of each type: libFuzzer exits without a summary
                print(f"parser error: {node.error_detail[:300]}", file=sys.stderr, flush=True)
            errors[m.group(1)] += 1

    atheris.Setup([sys.argv[0], *flags, str(corpus)], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
