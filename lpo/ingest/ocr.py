"""OCR with Tesseract, and the ingestor for images (TIFF, PNG, JPEG, ...).

The tesseract CLI (Debian tesseract-ocr + tesseract-ocr-eng) runs in a subprocess with a
timeout: a page that makes it spin costs that page, not the run. One thread per call
(OMP_THREAD_LIMIT=1) because ingest already runs one worker process per core.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess

from lpo.ingest.base import (
    DEFAULT_CONTEXT,
    Extracted,
    IngestContext,
    IngestError,
    Ingestor,
    register,
)

PAGE_TIMEOUT = 90  # seconds for one page; a 300 dpi letter page takes 1-4 s
MAX_PIXELS = 40_000_000  # about a 300 dpi A2 page; larger pages are scaled down before OCR
MAX_FRAMES = 2000  # a TIFF with more pages than this is not a scan of a business record
LANGUAGES = os.environ.get("LPO_OCR_LANGUAGES", "eng")


def tesseract() -> str:
    path = shutil.which("tesseract")
    if not path:
        raise IngestError("ocr_unavailable", "Tesseract is not installed, so scanned pages cannot be read; "
                          "install the Debian packages tesseract-ocr and tesseract-ocr-eng (make setup does) "
                          "and ingest the file again")
    return path


def _prepare(img):  # noqa: ANN001, ANN202 - PIL images
    """Grayscale, and no larger than MAX_PIXELS (a poster-sized scan would take minutes)."""
    if img.mode not in ("1", "L"):
        img = img.convert("L")
    if img.width * img.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (img.width * img.height)) ** 0.5
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    return img


def ocr_image(img, name: str, page: int | None = None) -> str:  # noqa: ANN001 - a PIL image
    """Text of one page image. Raises IngestError('timeout'|'ocr_failed') naming the file and page."""
    buf = io.BytesIO()
    _prepare(img).save(buf, format="PPM")  # uncompressed PGM: no encoding time, tesseract reads it as is
    where = f"{name}" + (f" page {page}" if page is not None else "")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        r = subprocess.run([tesseract(), "stdin", "stdout", "-l", LANGUAGES, "--psm", "3"], input=buf.getvalue(),
                           capture_output=True, timeout=PAGE_TIMEOUT, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise IngestError("timeout", f"{where}: OCR took longer than {PAGE_TIMEOUT} s; "
                          "review the native or OCR it by hand") from None
    if r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise IngestError("ocr_failed", f"{where}: Tesseract failed ({msg[0]}); "
                          "check the image opens in a viewer and the tesseract-ocr-eng data is installed") from None
    return r.stdout.decode("utf-8", "replace").replace("\r\n", "\n").strip()


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
    except (OSError, SyntaxError, ValueError, EOFError) as e:
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
