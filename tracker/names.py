"""Matching the many ways a unit is written ("Phòng Văn hoá - Xã hội phường", "Phòng VH-XH")."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_WARD_WORDS = ("phuong", "xa", "ubnd phuong", "ubnd xa")


def nfc(text: str) -> str:
    """Unicode NFC with surrounding and repeated white space removed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@functools.lru_cache(maxsize=16384)  # the importer folds the same short names thousands of times
def fold(text: str) -> str:
    """A comparison key: no diacritics (so hoá and hóa agree), lower case, words only, no trailing 'phường'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = plain.replace("&", " va ")
    words = _NON_WORD.sub(" ", plain).split()
    key = " ".join(words)
    for suffix in _WARD_WORDS:
        if key.endswith(" " + suffix):
            key = key[: -len(suffix) - 1]
            break
    return key


def closest(given: str, candidates: dict[str, str], limit: int = 3) -> list[str]:
    """Display names whose folded forms look most like `given`; `candidates` maps folded key to name."""
    keys = difflib.get_close_matches(fold(given), list(candidates), n=limit * 3, cutoff=0.45)
    names: list[str] = []
    for key in keys:
        if candidates[key] not in names:
            names.append(candidates[key])
    return names[:limit]
