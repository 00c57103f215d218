"""The same document, whatever file it came in: a key of its words that ignores what the file format or a
converter changes without changing the text (white space and line breaks, the Unicode form, the kinds of
dashes and quotes a word processor substitutes, markdown bold marks, lines that are only a page number).
The case of letters is kept: a corrected version that only capitalises a word does change a task's title,
and a key that hid it would say "nothing changed" when a re-import would in fact change something."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from tracker.importer.text import PAGE_NUMBER

_SAME = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " ", "*": " "})


def normalised_text(text: str) -> str:
    """`text` as words only: NFC, page-number lines dropped, dashes, quotes and bold marks unified, all white
    space collapsed to single spaces; the case of letters kept."""
    kept = [line for line in unicodedata.normalize("NFC", text).splitlines()
            if not PAGE_NUMBER.fullmatch(line.strip())]
    return " ".join(" ".join(kept).translate(_SAME).split())


def text_fingerprint(text: str) -> str:
    """A SHA-256 hex key of normalised_text(text): equal for the .txt, .docx and .pdf of one notice, for the
    same text in NFD or with a trailing space; different as soon as one word (or its case) differs."""
    return hashlib.sha256(normalised_text(text).encode("utf-8")).hexdigest()


def similarity(a: str, b: str) -> float:
    """How much two texts share, from 0 to 1: the Jaccard index of their runs of three words (compared
    without case). A draft and its signed version, or a notice with one item corrected, score above 0.8;
    two different notices of one day score far below."""
    first, second = _shingles(a), _shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = normalised_text(text).casefold().split()
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 0))}


def number_key(number: str) -> str:
    """A document number compared as written: "1314/TB-UBND", "1314 / TB - UBND" and "1314/tb-ubnd" are one."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).upper()
