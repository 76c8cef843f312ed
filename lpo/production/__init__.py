"""Production: Bates-numbered, endorsed page images, text, natives, DAT/OPT, privilege log, manifest.

    from lpo.production import ProductionItem, produce_volume
    result = produce_volume(items, withheld, out_dir, matter.production, "VOL001", matter.production.start)
    next_volume_start = result.next_number

Modules: `selection` (what a matter produces, in volumes), `volume` (produce_volume),
`bates`, `redact` (text redaction), `pdfredact` (redactions burned into PDF pages),
`render` (text, slip sheets and office files to PDF), `endorse` (Bates and designation
on every page), `imaging` (worker processes, Group 4 TIFF), `loadfiles` (DAT/OPT
writers and readers), `privlog` (CSV and XLSX), `manifest` (and verify_production).

Names are imported on first use (PEP 562), so that an imaging worker process
(`python -m lpo.production.imaging`) starts without loading the rest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_EXPORTS = {
    "BatesError": "bates", "format_bates": "bates", "parse_bates": "bates",
    "DEFAULT_DPI": "imaging",
    "DAT_FIELDS": "loadfiles", "LoadFileError": "loadfiles", "loadfile_path": "loadfiles",
    "read_dat": "loadfiles", "read_opt": "loadfiles", "volume_relative": "loadfiles",
    "build_manifest": "manifest", "verify_manifest": "manifest", "verify_production": "manifest",
    "PRIVLOG_COLUMNS": "privlog", "read_privlog": "privlog", "read_privlog_xlsx": "privlog",
    "RedactionError": "redact", "redaction_label": "redact",
    "ProductionError": "volume", "ProductionItem": "volume", "ProductionPaths": "volume",
    "ProductionResult": "volume", "produce_volume": "volume",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lpo.production' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lpo.production.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from lpo.production.bates import BatesError, format_bates, parse_bates
    from lpo.production.imaging import DEFAULT_DPI
    from lpo.production.loadfiles import (DAT_FIELDS, LoadFileError, loadfile_path, read_dat, read_opt,
                                          volume_relative)
    from lpo.production.manifest import build_manifest, verify_manifest, verify_production
    from lpo.production.privlog import PRIVLOG_COLUMNS, read_privlog, read_privlog_xlsx
    from lpo.production.redact import RedactionError, redaction_label
    from lpo.production.volume import (ProductionError, ProductionItem, ProductionPaths, ProductionResult,
                                       produce_volume)
