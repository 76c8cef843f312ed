"""The ingestor modules, imported in this order (each registers its ingestors on import).

Order matters only between ingestors whose `sniff` could both claim a file: the more
specific first. Add a format by adding its module here.
"""

import importlib

MODULES = [
    "lpo.ingest.email",
    "lpo.ingest.office",
    "lpo.ingest.pdf",
    "lpo.ingest.text",
]


def load() -> None:
    for m in MODULES:
        importlib.import_module(m)
