"""The held-out letters (tests/data/letters-heldout.yaml) loaded as `Sample`s and drawn like tests/letter_samples.py.

The letters in letter_samples.py were written alongside the reader's signal phrases, so their
100 % says little about real post. The held-out file was written by someone who saw neither those
texts nor the rules; it has real letter layouts (letterhead, small sender line, address window,
reference blocks, right-aligned date, tables, small-print footer), which `draw_lines` renders from
three markers: ">> " right-aligned, "~ " small print, " | " between table cells. The file is frozen
(tests/unit/test_letters_heldout.py checks its hash). It was scored once, unseen; since then
(2026-12-03, the letter-date work of issue 17) it is development data: the date rules were written
with its misses in view, so its figures no longer stand for letters the reader has not seen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from PIL import Image, ImageDraw

from bot.config import PROJECT_ROOT
from tests.letter_samples import FONTS, Sample, _font, phone_photo

GAP_BEFORE = ("Sehr geehrte", "Mit freundlichen", "Freundliche Grüße", "Rechtsbehelfsbelehrung")
HELDOUT_FILE = PROJECT_ROOT / "tests" / "data" / "letters-heldout.yaml"
HELDOUT_2_FILE = PROJECT_ROOT / "tests" / "data" / "letters-heldout-2.yaml"  # same format, another writer
HELDOUT_3_FILE = PROJECT_ROOT / "tests" / "data" / "letters-heldout-3.yaml"  # scored once 2026-12-04
HELDOUT_4_FILE = PROJECT_ROOT / "tests" / "data" / "letters-heldout-4.yaml"  # frozen, to be scored once
# written for issue 17 with the sender and date rules in view: test cases (tests/unit/test_letter_kinds.py), no measure
CASES_FILE = PROJECT_ROOT / "tests" / "data" / "letters-issue17.yaml"


def heldout_sha256(path: Path = HELDOUT_FILE) -> str:
    """The hash the bench prints and the unit test pins, so a silent edit of the set shows."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_heldout(path: Path = HELDOUT_FILE) -> dict[str, Sample]:
    """Every held-out letter by its id, with what the reader must find in it."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    letters: dict[str, Sample] = {}
    for item in raw["letters"]:
        date = item["date"]
        letters[item["id"]] = Sample(
            kind=item["kind"],
            lines=tuple(item["lines"].rstrip("\n").split("\n")),
            letter_date=date if isinstance(date, dt.date) else None,
            amounts=tuple(Decimal(a) for a in item["amounts"]),
            remedy=item["remedy"],
        )
    return letters


def as_text(lines: tuple[str, ...], width: int = 100) -> str:
    """The letter as plain text laid out like the drawing: right-aligned lines indented, table cells in columns.

    For tests of the rules without OCR (`layout.text_layout` reads the indents and columns back).
    """
    out = []
    for line in lines:
        if line.startswith(">> "):
            out.append(line[3:].rjust(width))
        elif line.startswith("~ "):
            out.append(line[2:])
        elif " | " in line or line.startswith("| "):
            cells = [c.strip() for c in line.split("|")]
            first, step = int(width * 0.4), int(width * 0.6 / max(len(cells) - 1, 1))
            out.append(cells[0].ljust(first) + "".join(cell.ljust(step - 1) + " " for cell in cells[1:]).rstrip())
        else:
            out.append(line)
    return "\n".join(out)


def draw_lines(lines: tuple[str, ...], font: str = FONTS[0], width: int = 1240) -> Image.Image:
    """A4 at about 150 dpi; the type shrinks (not below 18 px) until a long letter fits on one page."""
    height = int(width * 1.414)
    left, right, top = width // 11, width - width // 14, width // 14
    size = width // 48
    while size > 18 and top + len(lines) * size * 1.45 > height - top:
        size -= 1
    face, small = _font(font, size), _font(font, max(int(size * 0.78), 14))
    page = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(page)
    y = float(top)
    for line in lines:
        if line.startswith(GAP_BEFORE):  # the blank line letters leave before salutation, greeting, remedy
            y += size * 0.8
        if line.startswith(">> "):
            text = line[3:]
            pen.text((right - pen.textlength(text, font=face), y), text, font=face, fill=20)
        elif line.startswith("~ "):
            pen.text((left, y), line[2:], font=small, fill=60)
        elif " | " in line or line.startswith("| "):
            _table_row(pen, line, face, left, right, y)
        else:
            pen.text((left, y), line, font=face, fill=20)
        y += size * 1.45
    return page


def _table_row(pen: ImageDraw.ImageDraw, line: str, face: Any, left: int, right: int, y: float) -> None:
    """Cells in equal columns, the first wider; figures right-aligned at their column's edge, as on payslips."""
    cells = [c.strip() for c in line.split("|")]
    first = (right - left) * 0.4
    step = (right - left - first) / max(len(cells) - 1, 1)
    for i, cell in enumerate(cells):
        if not cell:
            continue
        if i == 0:
            pen.text((left, y), cell, font=face, fill=20)
            continue
        edge = left + first + step * i
        numeric = cell.replace(".", "").replace(",", "").replace("-", "").replace(" ", "").replace("€", "").isdigit()
        x = edge - pen.textlength(cell, font=face) if numeric else edge - step + 8
        pen.text((x, y), cell, font=face, fill=20)


def render_heldout(sample: Sample, *, font: str = FONTS[0], look: str = "scan", seed: int = 0) -> bytes:
    """One held-out letter as image bytes: PNG for a scan (crooked on odd seeds), JPEG for a phone photo."""
    page = draw_lines(sample.lines, font)
    if look == "phone":
        page = phone_photo(page, random.Random(seed))
    elif seed % 2:
        page = page.rotate(random.Random(seed).uniform(-1.0, 1.0), fillcolor=255, resample=Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    page.convert("RGB").save(buffer, "JPEG" if look == "phone" else "PNG")
    return buffer.getvalue()
