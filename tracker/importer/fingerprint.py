"""The same document, whatever file it came in: a key of its words that ignores what the file format,
a converter or a typist changes without changing the text (white space and line breaks, the Unicode form,
kinds of dashes and quotes, bold marks, page numbers, the case of letters)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from tracker.importer.text import PAGE_NUMBER

_SAME = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " ", "*": " "})


def text_fingerprint(text: str) -> str:
    """A SHA-256 hex key of `text` as words: equal for the .txt, .docx and .pdf of one notice, for the same
    text in NFD or with a trailing space; different as soon as one word differs."""
    kept = [line for line in unicodedata.normalize("NFC", text).splitlines()
            if not PAGE_NUMBER.fullmatch(line.strip())]
    words = " ".join(" ".join(kept).translate(_SAME).split()).casefold()
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def similarity(a: str, b: str) -> float:
    """How much two texts share, from 0 to 1: the Jaccard index of their runs of three words (as compared
    by text_fingerprint). A draft and its signed version, or a notice with one item corrected, score above
    0.8; two different notices of one day score far below."""
    first, second = _shingles(a), _shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = " ".join(unicodedata.normalize("NFC", text).translate(_SAME).split()).casefold().split()
    return {tuple(words[i:i + 3]) for i in range(max(len(words) - 2, 0))}


def number_key(number: str) -> str:
    """A document number compared as written: "1314/TB-UBND", "1314 / TB - UBND" and "1314/tb-ubnd" are one."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).upper()
