"""The ward's units as the importer sees them: a name finder that needs no database, so that a
dry run works from the ward file alone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.config.ward import WardConfig
from tracker.importer.model import ALL_UNITS, UnitRef
from tracker.names import fold, nfc

# "Các phòng, cơ quan, đơn vị", "các phòng, đơn vị", "Các cơ quan, đơn vị" address every unit.
_ALL_UNITS = re.compile(r"^(cac|toan the cac) (phong|co quan|don vi)( (chuyen mon|co quan|don vi|phong))*$")
# "các phòng, cơ quan liên quan", "các đơn vị có liên quan": not a unit, and not worth keeping.
_VAGUE = re.compile(
    r"\b(lien quan|co lien quan|cac don vi|cac co quan|cac phong)\b"
    r"|^(don vi|co quan|ban|nganh|doan the|phong|so)( thuoc( phuong)?)?$"
)
_SPLIT = re.compile(r"\s*(?:;|,|\bvà\b|\bvới\b)\s*")


@dataclass(frozen=True)
class UnitEntry:
    name: str
    variants: tuple[str, ...]  # folded names, short name and aliases


class UnitDirectory:
    """Finds configured units in text, whatever the diacritics, case, dashes or a trailing 'phường'."""

    def __init__(self, entries: Iterable[UnitEntry]) -> None:
        self.entries = list(entries)
        self._by_variant: dict[str, str] = {}
        for entry in self.entries:
            for variant in entry.variants:
                self._by_variant.setdefault(variant, entry.name)
        # Longest first, so "Phòng Kinh tế, Hạ tầng và Đô thị" wins over an alias "Phòng Kinh tế".
        self._variants = sorted(self._by_variant, key=len, reverse=True)

    @classmethod
    def from_names(cls, units: Iterable[tuple[str, str, Iterable[str]]]) -> UnitDirectory:
        """From (name, short name, aliases) triples, as stored in the database."""
        entries = []
        for name, short_name, aliases in units:
            variants = tuple(dict.fromkeys(fold(v) for v in (name, short_name, *aliases) if v and fold(v)))
            entries.append(UnitEntry(name=nfc(name), variants=variants))
        return cls(entries)

    @classmethod
    def from_config(cls, config: WardConfig) -> UnitDirectory:
        return cls.from_names((u.name, u.short_name, u.aliases) for u in config.units)

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def resolve(self, text: str) -> UnitRef:
        """One name: the unit it denotes, '*' for all units, or None."""
        written = _clean(text)
        key = fold(written)
        if _ALL_UNITS.match(key):
            return UnitRef(written, ALL_UNITS)
        return UnitRef(written, self._by_variant.get(key))

    def find_all(self, text: str) -> list[UnitRef]:
        """Every unit named in a list such as "Công an phường, Ban CHQS phường" or "Phòng Văn hóa - Xã hội;
        Thống kê cơ sở; Hội Nông dân phường": configured units by name, the rest as outside bodies
        (unit None). Vague phrases ("các phòng, đơn vị có liên quan") are dropped."""
        whole = self.resolve(text)
        if whole.unit is not None:
            return [whole]
        found: list[UnitRef] = []
        vague_whole = "lien quan" in fold(text)
        for part in self._segments(_clean(text)):
            ref = self.resolve(part)
            if ref.unit == ALL_UNITS and vague_whole:
                continue  # "các phòng, đơn vị có liên quan" names nobody in particular
            if ref.unit is None and (_VAGUE.search(fold(part)) or not fold(part)):
                continue
            if all(ref.text != f.text for f in found):
                found.append(ref)
        return found

    def name_at(self, text: str) -> str:
        """The longest configured unit name (or alias) that `text` begins with, as written there; "" when
        none: "Phòng Kinh tế, Hạ tầng và Đô thị chủ trì ..." → "Phòng Kinh tế, Hạ tầng và Đô thị"."""
        words = text[:300].split()
        length = self._longest_unit_at(words, 0)
        if not length:
            return ""
        end = 0
        for word in words[:length]:
            end = text.index(word, end) + len(word)
        return text[:end].rstrip(",;.")

    def _segments(self, text: str) -> list[str]:
        # Cut out known unit names first (some contain commas), then split what is left on separators.
        folded_words = text.split()
        pieces: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(folded_words):
            match = self._longest_unit_at(folded_words, i)
            if match:
                if rest:
                    pieces.extend(_split_rest(" ".join(rest)))
                    rest = []
                pieces.append(" ".join(folded_words[i : i + match]))
                i += match
            else:
                rest.append(folded_words[i])
                i += 1
        if rest:
            pieces.extend(_split_rest(" ".join(rest)))
        return [p.strip(" ,;.-–") for p in pieces if p and p.strip(" ,;.-–")]

    def _longest_unit_at(self, words: list[str], start: int) -> int:
        for end in range(min(len(words), start + 14), start, -1):
            candidate = " ".join(words[start:end]).rstrip(",;.")
            if fold(candidate) in self._by_variant and fold(candidate):
                return end - start
        return 0


def _split_rest(text: str) -> list[str]:
    # "Các Sở: Tài chính, Xây dựng" is one body with its list, not four.
    return [text] if ":" in text else _SPLIT.split(text)


def _clean(text: str) -> str:
    return nfc(text).strip(" \t:;,.-–*")
