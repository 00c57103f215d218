"""Plain text as the importer's parsers want it: Unicode NFC, one paragraph per block separated by a
blank line, table rows as tab-separated lines, and none of the debris of conversion (tags, page numbers,
invisible characters, sentences cut in two by a page break)."""

from __future__ import annotations

import html
import re
import unicodedata

# A line that is only a page number: "2", "- 2 -", "– 2 –", "Trang 2", "Trang 2/5", "2/5".
PAGE_NUMBER = re.compile(
    r"(?:[-–—]\s*\d{1,4}\s*[-–—]|[Tt]rang\s+\d{1,4}(?:\s*/\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})"
)

_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u0085\u000b]")
_PARAGRAPH_BREAKS = re.compile(r"[\u2029\u000c]")
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\u180e]")
_CONTROLS = re.compile(r"[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]")
# Formatting tags left by converters (the seeds carry <i>...</i> inside table cells). Only known tag
# names, so that "<5%" or "< 80%" stay as they are.
_TAGS = re.compile(
    r"</?(?:i|b|u|s|em|strong|sup|sub|span|font|p|div|strike|mark|small|big|ins|del)(?:\s[^<>\n]*)?/?>",
    re.IGNORECASE,
)
_BR_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ENTITIES = re.compile(r"&(?:nbsp|amp|lt|gt|quot|apos|#\d{1,6}|#x[0-9a-fA-F]{1,5});")
# Markdown bold from converters: "**ngày 15/5/2026**" (a single "*" is a footnote mark and stays).
_BOLD = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
_RUNS_OF_SPACES = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")

# A paragraph ending with one of these is finished; one ending otherwise may go on after a page break.
_FINAL = (".", ";", ":", "!", "?", "”", '"', "…", "»")
# A numbered heading: "2.1. Phòng Kinh tế...", "II. NHIỆM VỤ", "a) ..."; short ones are never joined.
# A lettered list item starts its own paragraph even though it starts with a small letter: "a) Tập trung".
_LETTER_ITEM = re.compile(r"^[a-zđ][).]\s")
_HEADING_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.|[a-zđ]\))\s")


def clean_text(text: str) -> str:
    """Normalise text from any reader: NFC, "\\n" line ends, plain spaces, no tags, no bare page numbers,
    and paragraphs that a page break cut in two joined again ("...đang triển khai\\n\\ntrên địa bàn.")."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _PARAGRAPH_BREAKS.sub("\n\n", text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROLS.sub("", text)
    text = _BR_TAG.sub(" ", text)
    text = _TAGS.sub("", text)
    text = _ENTITIES.sub(lambda m: html.unescape(m.group(0)).replace("\u00a0", " "), text)
    text = _BOLD.sub(r"\1", text)
    lines = [_clean_line(line) for line in text.split("\n")]
    text = "\n".join(lines)
    text = _BLANK_LINES.sub("\n\n", text).strip("\n")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    blocks = [b for b in blocks if not _is_page_number(b)]
    return unicodedata.normalize("NFC", "\n\n".join(_join_split_paragraphs(blocks)))


def _clean_line(line: str) -> str:
    if "\t" in line:
        return "\t".join(_RUNS_OF_SPACES.sub(" ", cell).strip(" ") for cell in line.split("\t"))
    return _RUNS_OF_SPACES.sub(" ", line).strip(" ")


def _is_page_number(block: str) -> bool:
    return "\n" not in block and "\t" not in block and PAGE_NUMBER.fullmatch(block.strip()) is not None


def _join_split_paragraphs(blocks: list[str]) -> list[str]:
    joined: list[str] = []
    for block in blocks:
        if joined and _continues(joined[-1], block):
            joined[-1] = joined[-1] + " " + block
        else:
            joined.append(block)
    return joined


def _continues(before: str, after: str) -> bool:
    """Is `after` the rest of the paragraph `before`, cut by a page break?"""
    last = before.rsplit("\n", 1)[-1]
    first = after.split("\n", 1)[0]
    if "\t" in last or "\t" in first or not last or not first:
        return False
    if not first[0].isalpha() or not first[0].islower() or _LETTER_ITEM.match(first):
        return False
    if last.endswith(_FINAL):
        return False
    return not _is_heading(last)


def _is_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        return True  # "PHỤ LỤC 1", "THÔNG BÁO"
    return _HEADING_NUMBER.match(line) is not None and len(line.split()) <= 12
