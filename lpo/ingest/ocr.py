"""OCR with Tesseract, and the ingestor for images (TIFF, PNG, JPEG, ...).

Tesseract runs in the ingest worker through its library (tesserocr, whose wheel carries
libtesseract) with the language data of Debian's tesseract-ocr-eng: one engine a process,
loaded once. The command line loads its model again for every page (0.1 s of CPU before it
reads a pixel); the library, and its newer Tesseract, read the same pages in 40% of the
CPU, with the same text on 10 of 12 corpus pages (the other two: a letter or two of noise
on French and Arabic forms). A page that makes it spin hits the page time limit; a page
that crashes it takes the worker, which the pool records and replaces. One thread
(OMP_THREAD_LIMIT=1): ingest already runs one worker process per core.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import time
from functools import lru_cache
from pathlib import Path

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # read when the library loads

PAGE_TIMEOUT = 90  # seconds for one page; a 300 dpi letter page takes 1-4 s
MAX_PIXELS = 40_000_000  # about a 300 dpi A2 page; larger pages are scaled down before OCR
MAX_FRAMES = 2000  # a TIFF with more pages than this is not a scan of a business record
LANGUAGES = os.environ.get("LPO_OCR_LANGUAGES", "eng")
# Debian's tesseract-ocr-eng (Tesseract 5, then 4), unless TESSDATA_PREFIX says where.
TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
            "/usr/share/tessdata")
_lock = threading.Lock()  # one engine a process; a page at a time


def tessdata() -> str:
    """The folder holding every language of LPO_OCR_LANGUAGES, or IngestError('ocr_unavailable')."""
    wanted = [lang for lang in LANGUAGES.split("+") if lang]
    env = os.environ.get("TESSDATA_PREFIX")
    for folder in ([env] if env else []) + list(TESSDATA):
        if all((Path(folder) / f"{lang}.traineddata").is_file() for lang in wanted):
            return folder if folder.endswith("/") else folder + "/"
    raise IngestError("ocr_unavailable", f"Tesseract's language data ({LANGUAGES}) is not installed, so scanned "
                      "pages cannot be read; install the Debian packages tesseract-ocr and tesseract-ocr-eng "
                      "(make setup does) or set TESSDATA_PREFIX, and ingest the file again")


@lru_cache(maxsize=1)
def engine():  # noqa: ANN202 - a tesserocr.PyTessBaseAPI, built once a process (the fork server warms it)
    import tesserocr

    return tesserocr.PyTessBaseAPI(path=tessdata(), lang=LANGUAGES, psm=tesserocr.PSM.AUTO)


def _prepare(img):  # noqa: ANN001, ANN202 - PIL images
    """Grayscale, and no larger than MAX_PIXELS (a poster-sized scan would take minutes)."""
    if img.mode not in ("1", "L"):
        img = img.convert("L")
    else:  # a plain image, not the file's: tesserocr re-encodes it, and a TIFF's damaged tags came along (KeyError)
        img = img.copy()
    if img.width * img.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (img.width * img.height)) ** 0.5
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    return img


def ocr_image(img, name: str, page: int | None = None) -> str:  # noqa: ANN001 - a PIL image
    """Text of one page image. Raises IngestError('timeout'|'ocr_failed'|'ocr_unavailable') naming
    the file and page."""
    where = f"{name}" + (f" page {page}" if page is not None else "")
    with _lock:
        try:
            api = engine()
        except RuntimeError as e:  # tesserocr: the data folder is there but a language will not load
            raise IngestError("ocr_unavailable", f"{where}: Tesseract could not start ({e}); check the "
                              "tesseract-ocr-eng data is installed and readable, and ingest the file again") from None
        try:
            try:
                page_image = _prepare(img)
                api.SetImage(page_image)
            except (OSError, TypeError, IndexError, KeyError, struct.error) as e:
                # Pillow decodes lazily, and tesserocr re-encodes: a damaged frame can fail only here.
                raise IngestError("corrupt", f"{where}: the image cannot be decoded ({type(e).__name__}: {e}); "
                                  "ask the client for a fresh copy") from None
            started = time.monotonic()
            if not api.Recognize(timeout=max(1, int(PAGE_TIMEOUT * 1000))):
                if time.monotonic() - started < PAGE_TIMEOUT * 0.9:  # refused the page, not out of time
                    raise IngestError("ocr_failed", f"{where}: Tesseract could not read the page "
                                      f"({page_image.width} x {page_image.height} pixels); check the image opens "
                                      "in a viewer, or review the native")
                raise IngestError("timeout", f"{where}: OCR took longer than {PAGE_TIMEOUT} s; "
                                  "review the native or OCR it by hand")
            text = api.GetUTF8Text()
        except (RuntimeError, ValueError) as e:
            raise IngestError("ocr_failed", f"{where}: Tesseract failed ({e}); check the image opens in a "
                              "viewer") from None
        finally:
            api.Clear()  # the page's image and results: the engine stays loaded
    return text.replace("\r\n", "\n").strip()


def image_frames(data: bytes, name: str):  # noqa: ANN201 - yields PIL images
    """Each page of an image file (a multi-page TIFF has many). Raises IngestError for broken images."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        for i, frame in enumerate(ImageSequence.Iterator(img)):
            if i >= MAX_FRAMES:
                raise IngestError("too_large", f"{name}: more than {MAX_FRAMES} pages in one image; "
                                  "split it and ingest the parts")
            frame.load()
            yield frame
    except IngestError:
        raise
    except Image.DecompressionBombError:
        raise IngestError("too_large", f"{name}: the image is too large to decode safely "
                          "(a decompression bomb or a poster-sized scan); review the native") from None
    except UnidentifiedImageError:
        raise IngestError("corrupt", f"{name}: not a readable image; ask the client for a fresh copy") from None
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError, KeyError, struct.error) as e:
        # Pillow's decoders raise TypeError/IndexError/KeyError on damaged tags (a TIFF
        # resolution that is a rational where an integer belongs): damaged, not a bug of ours.
        reason = "truncated" if "truncated" in str(e).lower() else "corrupt"
        raise IngestError(reason, f"{name}: the image cannot be decoded ({e}); "
                          "ask the client for a fresh copy") from None


@register
class ImageIngestor(Ingestor):
    name = "image"
    mime_types = ("image/tiff", "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp")
    extensions = ("tif", "tiff", "png", "jpg", "jpeg", "jpe", "gif", "bmp", "webp")
    SIGNATURES = (b"II*\x00", b"MM\x00*", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM")

    @classmethod
    def sniff(cls, data: bytes) -> bool:
        if data[:2] == b"BM":  # BMP's two-byte magic is common in text; check the header size field too
            return len(data) > 26 and int.from_bytes(data[14:18], "little") in (12, 40, 52, 56, 64, 108, 124)
        return data.startswith(cls.SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")

    def extract(self, data: bytes, name: str, ctx: IngestContext = DEFAULT_CONTEXT) -> Extracted:
        pages: list[str] = []
        for i, frame in enumerate(image_frames(data, name)):
            pages.append(ocr_image(frame, name, i + 1) if ctx.ocr else "")
        return Extracted(text="\n\f".join(pages), page_count=len(pages), ocr=ctx.ocr)
