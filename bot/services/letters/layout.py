"""Where Tesseract saw each line of a page: the boxes that tell a letter's date from the other dates.

The plain text Tesseract returns loses what a reader sees at a glance: that "Hannover, 14.10.2026"
stands alone at the right margin near the top (Tesseract may even put it after the first body
line), or that "22.09.2026" sits in the column under "Datum" of a reference table. Its TSV output
(the same run as the text) keeps every word's box; this module turns it into lines in the order
they stand on the page, with their boxes. Only the first page is kept: a letter is dated there.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_CONFIDENCE = 0.0  # Tesseract marks non-words with -1; every real word, even a doubtful one, is kept
RIGHT_ALIGNED_SHARE = 0.4  # a line starting right of 40 % of the text's width is set to the right


@dataclass(frozen=True)
class Word:
    text: str
    left: int
    right: int
    top: int
    bottom: int


@dataclass(frozen=True)
class Line:
    text: str
    top: int
    bottom: int
    left: int
    right: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class PageLayout:
    """One page's lines from top to bottom, and the horizontal extent of its text."""

    lines: tuple[Line, ...]
    left: int  # the leftmost text on the page: the letter's left margin
    right: int  # the rightmost text: its right margin

    def is_right_aligned(self, line: Line) -> bool:
        """A line set to the right margin (a place-and-date line, a reference block), not a body line."""
        width = self.right - self.left
        return width > 0 and line.left - self.left > RIGHT_ALIGNED_SHARE * width


def parse_tsv(tsv: str) -> PageLayout | None:
    """The first page of Tesseract's TSV output as lines; None when it holds no words."""
    grouped: dict[tuple[int, int, int], list[tuple[int, int, int, int, str]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or cells[1] != "1":
            continue
        text = cells[11].strip()
        try:
            left, top, width, height, confidence = (
                int(cells[6]),
                int(cells[7]),
                int(cells[8]),
                int(cells[9]),
                float(cells[10]),
            )
        except ValueError:
            continue
        if not text or confidence < MIN_CONFIDENCE:
            continue
        key = (int(cells[2]), int(cells[3]), int(cells[4]))
        grouped.setdefault(key, []).append((left, top, left + width, top + height, text))
    if not grouped:
        return None
    lines = []
    for words in grouped.values():
        words.sort()
        lines.append(
            Line(
                text=" ".join(w[4] for w in words),
                top=min(w[1] for w in words),
                bottom=max(w[3] for w in words),
                left=words[0][0],
                right=max(w[2] for w in words),
                words=tuple(Word(w[4], w[0], w[2], w[1], w[3]) for w in words),
            )
        )
    lines.sort(key=lambda line: ((line.top + line.bottom) / 2, line.left))
    return PageLayout(tuple(lines), min(line.left for line in lines), max(line.right for line in lines))


def text_layout(text: str) -> PageLayout:
    """Lines of plain text (a PDF's text layer, a test) as a layout: a character one unit wide, a line 2 high, 3 apart.

    That is about a printed letter's proportions; leading spaces still say "set to the right", and a
    table's columns stay where the characters put them.
    """
    lines = []
    for number, raw in enumerate(text.splitlines()):
        words = []
        position = 0
        for token in raw.split():
            start = raw.index(token, position)
            position = start + len(token)
            words.append(Word(token, start, position, 3 * number, 3 * number + 2))
        if words:
            lines.append(
                Line(
                    " ".join(w.text for w in words),
                    3 * number,
                    3 * number + 2,
                    words[0].left,
                    words[-1].right,
                    tuple(words),
                )
            )
    if not lines:
        return PageLayout((), 0, 0)
    return PageLayout(tuple(lines), min(line.left for line in lines), max(line.right for line in lines))
