"""A photo or PDF of a letter as text: offline, with Debian's Tesseract (deu + eng) through pytesseract.

A PDF with a text layer is read directly (pypdf); a scanned PDF has its first pages rendered
(pypdfium2) and read like photos. Files are checked before any decoder sees them: by their first
bytes (not the name or the type a client claims), by size, and by pixel count, so a decompression
bomb is refused instead of filling the memory. Tesseract runs with one thread: the machine serves
chats too, and a letter takes a few seconds either way. The same run writes the text and the
words' boxes (TSV): the boxes tell which date is the letter's own (`layout.py`).
"""

from __future__ import annotations

import io
import os
import shutil
from dataclasses import dataclass

import pypdfium2
import pytesseract
from PIL import Image, ImageOps
from pypdf import PdfReader

from bot.errors import InvalidInput
from bot.services.letters.layout import PageLayout, parse_tsv

MAX_BYTES = 10 * 1024 * 1024  # a phone photo is 2–5 MB, a scanned letter of three pages less
MAX_PIXELS = 40_000_000  # 8000 x 5000; a bigger image is a mistake or an attack
MAX_PAGES = 3  # the kind, date and remedy of a letter stand on its first pages
OCR_LANGUAGES = "deu+eng"
RENDER_SCALE = 200 / 72  # PDF points to pixels at 200 dpi
TARGET_WIDTH = 1700  # small photos are enlarged to about A4 at 200 dpi: Tesseract wants ~10 px letters
MIN_TEXT_LAYER = 80  # characters a PDF's own text must have to be trusted over OCR

IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png", b"RIFF": "image/webp"}
PDF = "application/pdf"
ACCEPTED_TYPES = (*IMAGE_TYPES.values(), PDF)


class LetterFileError(InvalidInput):
    """A file the reader will not open; `reason` is the locale key of the polite reply."""

    code = "letter_file"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class LetterText:
    text: str
    media_type: str
    pages: int
    source: str  # "ocr" or "pdf-text"
    layout: PageLayout | None = None  # where the OCR saw the first page's lines; None for a PDF's text layer


def sniff(data: bytes) -> str | None:
    """The file's type from its first bytes; None for anything the reader does not take."""
    if data.startswith(b"%PDF-"):
        return PDF
    for magic, media_type in IMAGE_TYPES.items():
        if data.startswith(magic) and (media_type != "image/webp" or data[8:12] == b"WEBP"):
            return media_type
    return None


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def check(data: bytes) -> str:
    """The media type of an acceptable letter file, or LetterFileError saying why not."""
    if len(data) > MAX_BYTES:
        raise LetterFileError(f"the file has {len(data)} bytes, more than {MAX_BYTES}", "letter_err_too_big")
    media_type = sniff(data)
    if media_type is None:
        raise LetterFileError("not a JPEG, PNG, WebP or PDF file", "letter_err_type")
    return media_type


def read_text(data: bytes) -> LetterText:
    """The text of a letter file (see the module docstring); blocking, so callers run it in a worker thread."""
    media_type = check(data)
    if media_type == PDF:
        return _read_pdf(data)
    text, layout = _ocr(_open_image(data))
    return LetterText(text, media_type, 1, "ocr", layout)


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise LetterFileError(f"{image.width} x {image.height} pixels is too large", "letter_err_too_big")
        image.load()
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise LetterFileError(f"the image cannot be read: {exc}", "letter_err_type") from None
    return ImageOps.exif_transpose(image)  # phones store "turn me" in EXIF rather than turning the pixels


def _prepare(image: Image.Image) -> Image.Image:
    """Grey, large enough, contrast stretched: what helps Tesseract with phone photos and costs little."""
    grey = image.convert("L")
    if grey.width < TARGET_WIDTH:
        factor = TARGET_WIDTH / grey.width
        grey = grey.resize((TARGET_WIDTH, int(grey.height * factor)), Image.Resampling.LANCZOS)
    return ImageOps.autocontrast(grey, cutoff=1)


def _ocr(image: Image.Image) -> tuple[str, PageLayout | None]:
    """The page's text and its layout, from one Tesseract run (automatic page segmentation, its default)."""
    if not tesseract_available():
        raise LetterFileError("tesseract is not installed (apt-get install tesseract-ocr-deu)", "letter_err_no_ocr")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        text, tsv = pytesseract.run_and_get_multiple_output(_prepare(image), ["txt", "tsv"], lang=OCR_LANGUAGES)
    except (pytesseract.TesseractError, OSError) as exc:  # a missing language model, a killed process
        raise LetterFileError(f"tesseract failed: {exc}", "letter_err_no_ocr") from None
    return str(text), parse_tsv(str(tsv))


def _read_pdf(data: bytes) -> LetterText:
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:MAX_PAGES]
        own = "\n".join(page.extract_text() or "" for page in pages)
        count = len(reader.pages)
    except Exception as exc:  # pypdf raises many kinds on broken files; all mean the same to the person
        raise LetterFileError(f"the PDF cannot be read: {exc}", "letter_err_type") from None
    if len(own.strip()) >= MIN_TEXT_LAYER:
        return LetterText(own, PDF, count, "pdf-text")
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise LetterFileError(f"the PDF cannot be rendered: {exc}", "letter_err_type") from None
    try:
        texts, layouts = [], []
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            width, height = page.get_size()
            if width * height * RENDER_SCALE**2 > MAX_PIXELS:
                raise LetterFileError("a PDF page is too large to render", "letter_err_too_big")
            text, layout = _ocr(page.render(scale=RENDER_SCALE).to_pil())
            texts.append(text)
            layouts.append(layout)
    finally:
        document.close()
    return LetterText("\n".join(texts), PDF, count, "ocr", layouts[0] if layouts else None)
