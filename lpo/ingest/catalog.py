"""The ingestor modules, imported in this order (each registers its ingestors on import).

Order matters only between ingestors whose `sniff` could both claim a file: the more
specific first. Add a format by adding its module here.
"""

import importlib

MODULES = [
    "lpo.ingest.msg",  # an OLE2 file with Outlook property streams, before legacy's other OLE2 files
    "lpo.ingest.mbox",  # before email: a mailbox opens with headers too
    "lpo.ingest.email",
    "lpo.ingest.pdf",
    "lpo.ingest.legacy",  # OLE2 Word/Excel/PowerPoint and encrypted OOXML (not .msg: no such streams)
    "lpo.ingest.office",  # zips told apart by their parts (word/, xl/, ppt/, ODF mimetype), before archive
    "lpo.ingest.html",
    "lpo.ingest.ocr",  # images
    "lpo.ingest.tabular",
    "lpo.ingest.text",
    "lpo.ingest.archive",  # last: any zip that no format above claimed as its own
]


def load() -> None:
    for m in MODULES:
        importlib.import_module(m)
