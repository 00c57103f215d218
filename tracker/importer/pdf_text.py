"""The text layer of a PDF, page by page, with pdfplumber.

On each page, ruled tables that pdfplumber finds (two rows and two columns at least) become
tab-separated rows in their place; the rest is read line by line and the lines are put back into
paragraphs (a new paragraph where the gap above is wider than the page's usual line gap, where the line
is indented or starts with a list mark, or after a line that stops well short of the right margin).
Lines that repeat at the top or bottom of most pages (running headers and footers) and bare page
numbers there ("2", "- 2 -", "Trang 2/5") are dropped. A paragraph cut by a page break is joined again
later by text.clean_text.
"""

from __future__ import annotations

import io
import math
import re
import statistics
import zlib
from collections import Counter
from dataclasses import dataclass

import pdfplumber

from tracker.importer.text import PAGE_NUMBER


class EncryptedPdf(Exception):
    """The PDF needs a password to be opened."""


class TooManyPages(Exception):
    def __init__(self, pages: int) -> None:
        super().__init__(pages)
        self.pages = pages


class InflatesTooMuch(Exception):
    """The compressed streams of the PDF would expand beyond the limit."""


@dataclass
class PdfText:
    text: str
    characters: int  # characters other than white space in the text layer, 0 for a scan


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Table:
    top: float
    rows: list[str]


def pdf_text(data: bytes, *, max_pages: int, max_inflated: int) -> PdfText:
    if inflated_size(data, max_inflated) > max_inflated:
        raise InflatesTooMuch()
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        if _is_password_error(exc):
            raise EncryptedPdf() from exc
        raise
    with pdf:
        try:
            pages = pdf.pages
        except Exception as exc:
            if _is_password_error(exc):
                raise EncryptedPdf() from exc
            raise
        if len(pages) > max_pages:
            raise TooManyPages(len(pages))
        characters = 0
        page_items: list[list[_Line | _Table]] = []
        for page in pages:
            characters += sum(1 for ch in page.chars if not ch.get("text", "").isspace())
            page_items.append(_page_items(page))
            page.close()
    _drop_running_lines(page_items)
    blocks = [block for items in page_items for block in _page_blocks(items)]
    return PdfText("\n\n".join(blocks), characters)


def _is_password_error(exc: BaseException) -> bool:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:
        if type(current).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"):
            return True
        inner = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = inner or current.__cause__
        seen += 1
    return False


def _page_items(page) -> list[_Line | _Table]:
    tables: list[tuple[tuple[float, float, float, float], list[str]]] = []
    for table in page.find_tables():
        rows = [[_cell_text(cell) for cell in row] for row in table.extract()]
        rows = [row for row in rows if any(row)]
        if len(rows) >= 2 and max(len(row) for row in rows) >= 2:
            tables.append((table.bbox, ["\t".join(row) for row in rows]))
    text_page = page
    if tables:
        boxes = [bbox for bbox, _ in tables]

        def outside(obj) -> bool:
            cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
            return not any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)

        text_page = page.filter(outside)
    items: list[_Line | _Table] = [
        _Line(line["text"], line["x0"], line["x1"], line["top"], line["bottom"])
        for line in text_page.extract_text_lines(return_chars=False)
        if line["text"].strip()
    ]
    items += [_Table(bbox[1], rows) for bbox, rows in tables]
    items.sort(key=lambda item: item.top)
    return items


def _cell_text(cell: str | None) -> str:
    return " ".join((cell or "").split())


def _running_key(line: _Line) -> str:
    return re.sub(r"\d+", "#", " ".join(line.text.split()).casefold())


def _edge_lines(items: list[_Line | _Table]) -> list[_Line]:
    lines = [item for item in items if isinstance(item, _Line)]
    first = [item for item in items[:2] if isinstance(item, _Line)]
    last = [item for item in items[-2:] if isinstance(item, _Line)]
    return [line for line in lines if any(line is e for e in first + last)]


def _drop_running_lines(pages: list[list[_Line | _Table]]) -> None:
    counts: Counter[str] = Counter()
    for items in pages:
        counts.update({_running_key(line) for line in _edge_lines(items)})
    needed = max(2, math.ceil(len(pages) * 0.5))
    running = {key for key, count in counts.items() if count >= needed}
    for index, items in enumerate(pages):
        edges = _edge_lines(items)
        drop = [e for e in edges if _running_key(e) in running or PAGE_NUMBER.fullmatch(e.text.strip())]
        pages[index] = [item for item in items if not any(item is d for d in drop)]


_LIST_MARK = re.compile(r"^(?:[-–—•+*]|\d+(?:\.\d+)*[.)]|[a-zđ][.)]|[IVXLC]+\.|\(\d+\))\s")


def _page_blocks(items: list[_Line | _Table]) -> list[str]:
    lines = [item for item in items if isinstance(item, _Line)]
    if lines:
        left = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
        right = max(line.x1 for line in lines)
        height = statistics.median(line.bottom - line.top for line in lines) or 10.0
        gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False) if b.top > a.bottom]
        usual_gap = statistics.median(gaps) if gaps else 0.0
    blocks: list[str] = []
    current: list[str] = []
    previous: _Line | None = None
    for item in items:
        if isinstance(item, _Table):
            if current:
                blocks.append(" ".join(current))
            blocks.append("\n".join(item.rows))
            current, previous = [], None
            continue
        starts = (
            previous is None
            or item.top - previous.bottom > usual_gap + 0.4 * height
            or item.x0 > left + max(8.0, 0.8 * height)
            or previous.x1 < right - 3 * height
            or _LIST_MARK.match(item.text) is not None
        )
        if starts and current:
            blocks.append(" ".join(current))
            current = []
        current.append(" ".join(item.text.split()))
        previous = item
    if current:
        blocks.append(" ".join(current))
    return blocks


_STREAM = re.compile(rb"stream\r?\n")


def inflated_size(data: bytes, limit: int) -> int:
    """What the Flate-compressed streams of a PDF expand to, counted up to just past `limit`
    (pdfminer expands a stream whole in memory, so a "PDF bomb" is refused before it is opened)."""
    total = 0
    for match in _STREAM.finditer(data):
        decompressor = zlib.decompressobj()
        position = match.end()
        try:
            while not decompressor.eof and position < len(data):
                chunk = data[position : position + 65536]
                position += len(chunk)
                total += len(decompressor.decompress(chunk, limit - total + 1))
                while decompressor.unconsumed_tail and total <= limit:
                    total += len(decompressor.decompress(decompressor.unconsumed_tail, limit - total + 1))
                if total > limit:
                    return total
        except zlib.error:
            continue
    return total
