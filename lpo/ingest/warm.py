"""Imported by the ingest fork server only (lpo.ingest.worker.PRELOAD).

Loads once what every worker would otherwise load for itself (parser libraries, the
language models): a worker forked after a kill parses at once, and the workers share
these pages copy-on-write instead of each holding its own copy.
"""

import importlib

import lpo.ingest.worker  # noqa: F401  the ingestor registry comes with it

for _module in ("pypdfium2", "pdfplumber", "docx", "PIL.Image"):
    try:
        importlib.import_module(_module)
    except ImportError:
        pass

try:
    from lpo.ingest.language import detect_language
except ImportError:
    pass
else:
    detect_language("The parties agree that the supply agreement governs every shipment of steel this year.")

try:  # Tesseract's engine: 0.09 s of CPU and 40 MB, paid once here instead of once a worker
    from lpo.ingest.ocr import engine

    engine()
except Exception:  # noqa: BLE001 - no language data: the first scanned page says so, with the file's name
    pass
