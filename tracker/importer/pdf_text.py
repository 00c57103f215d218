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

import base64
import io
import math
import re
import statistics
import zlib
from collections import Counter
from dataclasses import dataclass, field

import pdfplumber

from tracker.importer.text import PAGE_NUMBER

# A page with pictures and fewer letters than this is a scan, perhaps with a stamp's or a scanner's
# caption in its text layer.
SCANNED_PAGE_CHARACTERS = 40


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
    # The paragraphs of each page, and the pages that have pictures but (almost) no text layer: scans.
    page_blocks: list[list[str]] = field(default_factory=list)
    scanned_pages: list[int] = field(default_factory=list)


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
        scanned: list[int] = []
        for index, page in enumerate(pages):
            on_page = sum(1 for ch in page.chars if not ch.get("text", "").isspace())
            characters += on_page
            if on_page < SCANNED_PAGE_CHARACTERS and page.images:
                scanned.append(index)
            page_items.append(_page_items(page))
            page.close()
    _drop_running_lines(page_items)
    page_blocks = [_page_blocks(items) for items in page_items]
    blocks = [block for page in page_blocks for block in page]
    return PdfText("\n\n".join(blocks), characters, page_blocks, scanned)


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
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")
_NAME = re.compile(rb"/([A-Za-z0-9]+)")
_FILTER_NAMES = {
    b"FlateDecode": "flate", b"Fl": "flate", b"LZWDecode": "lzw", b"LZW": "lzw",
    b"ASCII85Decode": "a85", b"A85": "a85", b"ASCIIHexDecode": "ahx", b"AHx": "ahx",
    b"RunLengthDecode": "rl", b"RL": "rl",
}  # fmt: skip
# How far back from "stream" its dictionary may start; a real one is a few hundred bytes.
_DICTIONARY_REACH = 4096


def inflated_size(data: bytes, limit: int) -> int:
    """What the streams of a PDF expand to through their whole filter chains (Flate, LZW, ASCII85,
    ASCIIHex, RunLength, in any order), counted up to just past `limit`. pdfminer expands a stream whole in
    memory, so a "PDF bomb" is refused before it is opened. A stream that does not decode is not counted:
    pdfminer fails on it as well, and the reading runs in a process of bounded memory anyway."""
    total = 0
    for match in _STREAM.finditer(data):
        filters = _filters(data[max(0, match.start() - _DICTIONARY_REACH) : match.start()])
        if not filters:
            continue
        end = data.find(b"endstream", match.end())
        raw = data[match.end() : end if end >= 0 else len(data)]
        total += _decoded_size(raw, filters, limit - total)
        if total > limit:
            return total
    return total


def _filters(dictionary: bytes) -> list[str]:
    """The filter chain of the stream whose dictionary ends `dictionary`, in the order they apply."""
    # The stream's own object starts after the end of the one before it.
    own = dictionary[max(dictionary.rfind(b"endobj"), dictionary.rfind(b"endstream"), 0) :]
    found = list(_FILTER.finditer(own))
    if not found:
        return []
    return [_FILTER_NAMES.get(name, "other") for name in _NAME.findall(found[-1].group(1))]


def _decoded_size(raw: bytes, filters: list[str], limit: int) -> int:
    """The size of `raw` decoded through `filters`, or just past `limit`. The ASCII filters shrink what
    they decode, so they run whole; an expanding filter keeps only what the next one needs, never more
    than `limit` bytes."""
    data = raw
    for position, kind in enumerate(filters):
        last = position == len(filters) - 1
        try:
            if kind == "a85":
                data = _ascii85(data)
            elif kind == "ahx":
                data = _ascii_hex(data)
            elif kind in ("flate", "lzw", "rl"):
                chunks = {"flate": _inflate_chunks, "lzw": _lzw_chunks, "rl": _run_length_chunks}[kind](data)
                data, size = _bounded(chunks, limit, keep=not last)
                if size > limit or last:
                    return size
            else:
                return 0  # an image codec or a crypt filter: pdfminer does not expand them for text
        except (ValueError, zlib.error, EOFError, IndexError):
            return 0
    return len(data)


def _bounded(chunks, limit: int, *, keep: bool) -> tuple[bytes, int]:
    """The chunks' total size, stopping just past `limit`, and their bytes when `keep`."""
    kept: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if keep:
            kept.append(chunk)
        if size > limit:
            break
    return b"".join(kept), size


def _inflate_chunks(data: bytes):
    decompressor = zlib.decompressobj()
    for position in range(0, len(data), 65536):
        chunk = decompressor.decompress(data[position : position + 65536], 1024 * 1024)
        yield chunk
        # At the end of the stream zlib may leave a byte in unconsumed_tail and decompress it to nothing,
        # forever: the end is checked too.
        while decompressor.unconsumed_tail and not decompressor.eof:
            yield decompressor.decompress(decompressor.unconsumed_tail, 1024 * 1024)
        if decompressor.eof:
            return


def _lzw_chunks(data: bytes):
    from pdfminer.lzw import LZWDecoder

    yield from LZWDecoder(io.BytesIO(data)).run()


def _run_length_chunks(data: bytes):
    position = 0
    while position < len(data):
        length = data[position]
        if length == 128:
            return
        if length < 128:
            yield data[position + 1 : position + 2 + length]
            position += length + 2
        else:
            yield data[position + 1 : position + 2] * (257 - length)
            position += 2


def _ascii85(data: bytes) -> bytes:
    text = bytes(b for b in data if b not in b" \t\r\n\f\0")
    if text.startswith(b"<~"):
        text = text[2:]
    end = text.find(b"~>")
    return base64.a85decode(text[: end if end >= 0 else len(text)])


def _ascii_hex(data: bytes) -> bytes:
    digits = bytes(b for b in data.split(b">", 1)[0] if b not in b" \t\r\n\f\0")
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))
