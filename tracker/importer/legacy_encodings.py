"""Vietnamese typed with the pre-Unicode 8-bit fonts, and how to turn it back into Unicode.

Text typed in a TCVN3 (ABC) font such as .VnTime, or in a VNI font such as VNI-Times, is stored as
ordinary Windows-1252 characters that only look Vietnamese in that font: "Phßng V¨n hãa" (TCVN3) and
"Phoøng Vaên hoùa" (VNI) both mean "Phòng Văn hóa". Such text reaches us in a .txt file (as single
bytes, or re-saved as UTF-8) and in Word or PDF files made from old templates.

`to_unicode` decides whether a text is one of these, by converting it with each table and counting how
many of its words become valid Vietnamese syllables, and returns the Unicode text.

Limits: TCVN3 has no code for most capitals with a tone ("Ủ", "Ậ"); typists used the capitals font
(.VnTimeH), which stores them as small letters: whole words or lines of plain capitals are put back in
capitals, but a lone capital such as the "Ủ" of "Ủy ban" typed that way stays small. TCVN3's "ư" is the
soft hyphen (0xAD); a program that dropped soft hyphens before the file reached us lost those letters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# TCVN3 (ABC): the VN3 subset of TCVN 5712:1993, used by the .VnTime/.VnArial fonts. Byte -> letter.
# Only 0xA1-0xFF carry letters; Windows-1252 shows those bytes as the Latin-1 characters of the same
# number. Checked, position by position, against glibc's "TCVN5712-1" converter (iconv) in
# tests/test_import_reading.py. The capitals with a tone in the gaps (0xAF, 0xBA, 0xBF-0xC5, ...) are
# the VN1 positions of the same standard: VN3 text never uses them for anything else.
# 0xB0-0xB4 (combining marks in VN1) are left alone: in practice they are "°", "±"... in such files.
TCVN3_BYTES: dict[int, str] = {
    # the seven capitals VN3 has, then their small letters (0xAD, the soft hyphen, is "ư")
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    # a: à ả ã á ạ
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    # ă: ằ ẳ ẵ ắ ặ
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    # â: ầ ẩ ẫ ấ ậ
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    # e: è ẻ ẽ é ẹ
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    # ê: ề ể ễ ế ệ
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    # i: ì ỉ ĩ í ị
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    # o: ò ỏ õ ó ọ
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    # ô: ồ ổ ỗ ố ộ
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    # ơ: ờ ở ỡ ớ ợ
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    # u: ù ủ ũ ú ụ
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    # ư: ừ ử ữ ứ ự
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    # y: ỳ ỷ ỹ ý ỵ
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
    # capitals with a tone, at the VN1 positions
    0xAF: "Ằ", 0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ",
    0xC5: "Ề", 0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ", 0xFF: "Ố",
}  # fmt: skip

# VNI Windows (VNI-Times and the other "VNI-" fonts): a vowel is written as its base letter followed by
# one byte for its marks ("oø" = ò, "aâ" = â, "aá" = ấ, "aé" = ắ); ơ, ư, đ and the i's and ỵ are single
# bytes. Small letters take the small mark bytes, capitals the capital ones (Word keeps either with
# either, so both are accepted after any base). Mark meanings from the VNI Windows code chart, as
# carried by the VNI keyboard drivers (e.g. xvnkb's vni.h). Byte -> combining characters.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE = "\u0302", "\u0306"
VNI_TONE_BYTES: dict[int, str] = {
    0xF9: _ACUTE, 0xF8: _GRAVE, 0xFB: _HOOK, 0xF5: _TILDE, 0xEF: _DOT,  # ù ø û õ ï
    0xD9: _ACUTE, 0xD8: _GRAVE, 0xDB: _HOOK, 0xD5: _TILDE, 0xCF: _DOT,  # Ù Ø Û Õ Ï
}  # fmt: skip
VNI_CIRCUMFLEX_BYTES: dict[int, str] = {
    0xE2: "", 0xE1: _ACUTE, 0xE0: _GRAVE, 0xE5: _HOOK, 0xE3: _TILDE, 0xE4: _DOT,  # â á à å ã ä
    0xC2: "", 0xC1: _ACUTE, 0xC0: _GRAVE, 0xC5: _HOOK, 0xC3: _TILDE, 0xC4: _DOT,  # Â Á À Å Ã Ä
}  # fmt: skip
VNI_BREVE_BYTES: dict[int, str] = {
    0xEA: "", 0xE9: _ACUTE, 0xE8: _GRAVE, 0xFA: _HOOK, 0xFC: _TILDE, 0xEB: _DOT,  # ê é è ú ü ë
    0xCA: "", 0xC9: _ACUTE, 0xC8: _GRAVE, 0xDA: _HOOK, 0xDC: _TILDE, 0xCB: _DOT,  # Ê É È Ú Ü Ë
}  # fmt: skip
VNI_LETTER_BYTES: dict[int, str] = {
    0xF4: "ơ", 0xF6: "ư", 0xF1: "đ", 0xED: "í", 0xEC: "ì", 0xE6: "ỉ", 0xF3: "ĩ", 0xF2: "ị", 0xEE: "ỵ",
    0xD4: "Ơ", 0xD6: "Ư", 0xD1: "Đ", 0xCD: "Í", 0xCC: "Ì", 0xC6: "Ỉ", 0xD3: "Ĩ", 0xD2: "Ị", 0xCE: "Ỵ",
}  # fmt: skip

_TCVN3 = {chr(byte): letter for byte, letter in TCVN3_BYTES.items()}
_VNI_TONE = {chr(b): m for b, m in VNI_TONE_BYTES.items()}
_VNI_CIRCUMFLEX = {chr(b): _CIRCUMFLEX + m for b, m in VNI_CIRCUMFLEX_BYTES.items()}
_VNI_BREVE = {chr(b): _BREVE + m for b, m in VNI_BREVE_BYTES.items()}
_VNI_LETTER = {chr(b): letter for b, letter in VNI_LETTER_BYTES.items()}
_VNI_HORN_BASES = {"ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư"}  # ơ and ư take a tone byte after them


def tcvn3_to_unicode(text: str) -> str:
    """Convert TCVN3 text. Capitals typed with the all-capitals fonts (.VnTimeH) are stored as small
    letters: a line, or a word, whose plain letters are all capitals is put in capitals."""
    lines = []
    for line in text.split("\n"):
        converted = "".join(_TCVN3.get(ch, ch) for ch in line)
        if converted != line:
            converted = _restore_capitals(line, converted)
        lines.append(converted)
    return "\n".join(lines)


def vni_to_unicode(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        nxt = text[i + 1] if i + 1 < n else ""
        marks = _vni_marks(ch, nxt)
        if marks is not None:
            base = _VNI_HORN_BASES.get(ch, ch)
            out.append(unicodedata.normalize("NFC", base + marks))
            i += 2
            continue
        out.append(_VNI_LETTER.get(ch, ch))
        i += 1
    return "".join(out)


def _vni_marks(base: str, mark: str) -> str | None:
    if not mark:
        return None
    low = base.lower()
    if low in "aeouy" or base in _VNI_HORN_BASES:
        if mark in _VNI_TONE:
            return _VNI_TONE[mark]
        if low in "aeo" and mark in _VNI_CIRCUMFLEX:
            return _VNI_CIRCUMFLEX[mark]
        if low == "a" and mark in _VNI_BREVE:
            return _VNI_BREVE[mark]
    return None


_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _restore_capitals(original: str, converted: str) -> str:
    # A word counts as typed in capitals when it has two or more plain letters, all capitals; a line
    # with two such words and no small plain letter is a title, where one-letter words are capitals too.
    words = converted.split(" ")
    capital_words = [i for i, w in enumerate(words) if _typed_in_capitals(w)]
    plain = _ASCII_LETTER.findall(original)
    if len(capital_words) >= 2 and all(c.isupper() for c in plain):
        return converted.upper()
    for index in capital_words:
        words[index] = words[index].upper()
    return " ".join(words)


def _typed_in_capitals(word: str) -> bool:
    letters = _ASCII_LETTER.findall(word)
    return len(letters) >= 2 and all(c.isupper() for c in letters) and not word.isupper()


# --- recognising Vietnamese -------------------------------------------------------------------

_TONE_MARKS = {_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT}
# Vowel groups of Vietnamese syllables, without tone (the final glides i/o/u/y are part of the group).
_VOWEL_GROUPS = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi ôi ơi oo ua uâ uê ui uô uơ "
    "uy ưa ưi ưu ươ yê iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu"
)
_NUCLEI = sorted(_VOWEL_GROUPS.split(), key=len, reverse=True)
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:" + "|".join(_NUCLEI) + r")"
    r"(?:ch|ng|nh|[cmnpt])?"
)
_WORD = re.compile(r"[^\W\d_]+")
# Latin-1 signs that are letters in TCVN3 (¸ µ ¶ · ¹ ¨ © ...): left in a text, they count as bad words.
_STRAY_SIGNS = frozenset(chr(b) for b in range(0xA1, 0xC0)) | {"\u00d7", "\u00f7"}
# Characters that mark a text as possibly legacy: Latin-1 letters and signs. Curly quotes and dashes,
# common in any Windows text, are not among them.
_LEGACY_SIGNS = re.compile(r"[\u00a1-\u00ff]")
# Letters only Unicode Vietnamese has (ă đ ĩ ũ ơ ư and the precomposed letters with two marks).
_UNICODE_VIETNAMESE = re.compile(
    r"[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0\u1ea0-\u1ef9]"
)


def is_vietnamese_syllable(word: str) -> bool:
    """True for a word that is spelled like a Vietnamese syllable (at most one tone, a known vowel group)."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for ch in decomposed if ch in _TONE_MARKS)
    if tones > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))
    return _SYLLABLE.fullmatch(base) is not None


@dataclass(frozen=True)
class _Score:
    valid: int  # words with a non-ASCII letter that are Vietnamese syllables
    total: int  # words with a non-ASCII letter, plus stray Latin-1 signs left over

    @property
    def share(self) -> float:
        return self.valid / self.total if self.total else 0.0


def _score(text: str) -> _Score:
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    valid = sum(1 for w in words if is_vietnamese_syllable(w))
    stray = sum(1 for ch in text if ch in _STRAY_SIGNS)
    return _Score(valid, len(words) + stray)


class UnknownLegacyEncoding(ValueError):
    """The text looks like an 8-bit Vietnamese encoding but no known table turns it into Vietnamese."""


_GOOD_SHARE = 0.75
_MIN_VALID_WORDS = 3


def to_unicode(text: str, *, single_bytes: bytes | None = None) -> tuple[str, str]:
    """(Unicode text, name of the encoding it was in: "unicode", "tcvn3", "vni" or "cp1258").

    `text` is what was read (UTF-8, UTF-16, or Windows-1252 for a file that was neither); give the raw
    bytes as `single_bytes` in the last case so that Windows-1258 is considered too. A text that already
    contains Unicode Vietnamese is kept, except single lines that clearly are TCVN3 or VNI (a document
    pasted together from old and new files). Raises UnknownLegacyEncoding when most words are neither
    Vietnamese nor convertible."""
    if _UNICODE_VIETNAMESE.search(text):
        return _convert_stray_lines(text), "unicode"
    signs = len(_LEGACY_SIGNS.findall(text))
    letters = sum(1 for ch in text if ch.isalpha())
    if signs < 3 or signs < 0.01 * letters:
        return text, "unicode"
    original = _score(text)
    if original.share >= 0.5:
        return text, "unicode"  # it already reads as Vietnamese (or as plain Western text)
    candidates: list[tuple[str, str]] = []
    if single_bytes is not None:
        candidates.append((unicodedata.normalize("NFC", single_bytes.decode("cp1258", errors="replace")), "cp1258"))
    candidates += [(tcvn3_to_unicode(text), "tcvn3"), (vni_to_unicode(text), "vni")]
    best_text, best_name, best = text, "unicode", original
    for candidate, name in candidates:
        score = _score(candidate)
        if score.share > best.share or (score.share == best.share and score.valid > best.valid):
            best_text, best_name, best = candidate, name, score
    if best_name != "unicode" and best.share >= _GOOD_SHARE and best.valid >= _MIN_VALID_WORDS:
        return best_text, best_name
    if original.share < 0.5 and _looks_legacy(text):
        raise UnknownLegacyEncoding("no Vietnamese table fits")
    return text, "unicode"  # Latin-1 text that reads as it is: French, English with a few accents...


# A vowel followed by a VNI mark byte ("oø", "aâ"): common in VNI, rare in Western languages.
_VNI_PAIR = re.compile(r"[aeouyAEOUYôöÔÖ][ùøûõïâêáàåãäéèúüëÙØÛÕÏÂÊÁÀÅÃÄÉÈÚÜË]")


def _looks_legacy(text: str) -> bool:
    stray = sum(1 for ch in text if ch in _STRAY_SIGNS)
    return stray >= 2 or len(_VNI_PAIR.findall(text)) >= 3


def _convert_stray_lines(text: str) -> str:
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if _UNICODE_VIETNAMESE.search(line) or len(_LEGACY_SIGNS.findall(line)) < 3:
            continue
        original = _score(line)
        if original.share >= 0.5:
            continue
        for convert in (tcvn3_to_unicode, vni_to_unicode):
            converted = convert(line)
            score = _score(converted)
            if score.share >= _GOOD_SHARE and score.valid >= _MIN_VALID_WORDS:
                lines[index] = converted
                break
    return "\n".join(lines)
