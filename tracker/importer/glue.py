"""Words glued together by web pages and converters ("Giaocho", "Ủyban", "Tiếp tụcchỉ đạo", "phốTrạm y
tế") split apart again, so that the directive grammar sees "Giao cho", "Ủy ban", "tục chỉ".

A Vietnamese word is written as syllables, and a syllable has a strict shape: an onset consonant, a
vowel nucleus, an optional final (c, ch, m, n, ng, nh, p, t, or a glide). A run of letters that is not one
syllable but is exactly two is two glued syllables. No dictionary is needed, and foreign words and
abbreviations ("Covid", "UBND", "NN&PTNT") are left alone because they do not split into two syllables."""

from __future__ import annotations

import re
import unicodedata

_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
_BASE_VOWELS = "aăâeêioôơuưy"
_VOWEL = "[" + "".join(sorted({unicodedata.normalize("NFC", v + t) for v in _BASE_VOWELS
                               for t in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")})) + "]"
_NUCLEUS = f"{_VOWEL}{{1,3}}"
_CODA = r"(?:ch|ng|nh|[cmnpt])?"
_SYLLABLE = re.compile(f"({_ONSET})({_NUCLEUS})({_CODA})")
# A nucleus that ends in a glide (ao, ai, êu, ươi ...) closes the syllable: "Giaoc" is no syllable.
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_GLIDES = {unicodedata.normalize("NFC", v + t) for v in "iouy" for t in _TONES}
_VOWEL_LETTERS = set(_VOWEL.strip("[]"))
_WORD = re.compile(r"[^\W\d_]{4,}")
# A lower-case letter followed by a capital inside one run: "phốTrạm", "VỀVIỆC" is handled by syllables.
_CASE_SEAM = re.compile(r"(?<=[^\W\d_])(?=[^\W\d_]{2})")


def is_syllable(word: str) -> bool:
    """Whether `word` (any case) is one well-formed Vietnamese syllable."""
    match = _SYLLABLE.fullmatch(unicodedata.normalize("NFC", word.lower()))
    if match is None:
        return False
    onset, nucleus, coda = match.groups()
    return not (coda and len(nucleus) > 1 and nucleus[-1] in _GLIDES and not nucleus.startswith(("u", "ư")))


def unglue(text: str) -> str:
    """`text` with glued syllable pairs and lower-to-capital seams split by a space. Never raises."""
    text = _CASE_SEAM.sub(_seam, text)
    return _WORD.sub(_split_word, text)


def _seam(match: re.Match[str]) -> str:
    text, at = match.string, match.start()
    # Two small letters before the capital, so that "iPhone" stays whole.
    before = text[max(at - 2, 0) : at]
    glued = len(before) == 2 and before.isalpha() and before.islower()
    return " " if glued and text[at].isupper() and text[at + 1].islower() else ""


def _split_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if is_syllable(word) or not _looks_vietnamese(word):
        return word
    # The longest first syllable wins, and a second syllable that starts with a consonant before one that
    # starts with a vowel: "Banhành" is "Ban hành", not "Banh ành".
    for consonant_first in (True, False):
        for cut in range(len(word) - 2, 1, -1):
            head, tail = word[:cut], word[cut:]
            if tail[0].lower() in _VOWEL_LETTERS and consonant_first:
                continue
            if is_syllable(head) and is_syllable(tail):
                return f"{head} {tail}"
    return word


def _looks_vietnamese(word: str) -> bool:
    # A word with a Vietnamese letter or tone mark, or one of the few unmarked words that web pages glue.
    return word.isascii() is False or word.lower() in _UNMARKED_GLUES


# Unmarked pairs seen glued in pages of directives ("Giaocho Sở Xây dựng").
_UNMARKED_GLUES = {"giaocho", "giaoban", "chotrong", "theodoi"}
