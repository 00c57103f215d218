"""The coordinating units of an imported task as a reviewer reads and corrects them in two fields: the ward's
units (đơn vị phối hợp), named as the importer knows them (name, short name, alias, learned name), and the
bodies outside the ward (cơ quan phối hợp), kept as written. Both end up where tracker.usecases.imports.
task_draft puts the importer's own findings: ward units as Task.coordinating_unit_ids, the rest (and a
phrase for every unit, "Các cơ quan chuyên môn") as Task.outside_bodies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.errors import InvalidInputError
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ALL_UNITS, ParsedTask, UnitRef
from tracker.names import closest, fold, nfc

# The ward's units may be separated by ";" or "," (find_all cuts known names first, so the comma in "Phòng
# Kinh tế, Hạ tầng và Đô thị" or "KT,HT&ĐT" does not split them); an outside body's own name may hold a
# comma ("Trung tâm Văn hóa, Thể thao tỉnh"), so outside bodies are separated by ";" or a new line only.
_PIECES = re.compile(r"[;\n]+")
OUTSIDE_MAX = 200  # longer is a sentence pasted by mistake, not a body's name
OUTSIDE_FIELD = "Cơ quan ngoài phường"  # the review table's label of the outside bodies' field


@dataclass(frozen=True)
class CoordinatorWords:
    """The two fields of a row: the ward's units ("Công an phường; Trạm Y tế") and the outside bodies
    ("PCCC Khu vực 5"), each separated by "; "."""

    units: str = ""
    outside: str = ""

    def same_as(self, other: CoordinatorWords) -> bool:
        """Whether both fields say the same words (white space aside)."""
        return (_words(self.units), _words(self.outside)) == (_words(other.units), _words(other.outside))


def coordinator_words(task: ParsedTask) -> CoordinatorWords:
    """The row's fields for what `task` would store now: its ward units by full name, the rest as written."""
    units = [c.unit for c in task.coordinating if c.unit not in (None, ALL_UNITS)]
    outside = [c.text for c in task.coordinating if c.unit in (None, ALL_UNITS)]
    return CoordinatorWords("; ".join(dict.fromkeys(u for u in units if u)), "; ".join(outside))


def read_coordinators(ref: str, words: CoordinatorWords, *, units: UnitDirectory) -> list[UnitRef]:
    """The coordinating units the fields name, in order, each once: the ward's units resolved as the
    importer resolves names; an outside body kept as written, unless it is in fact one of the ward's units.
    Vague phrases ("các đơn vị liên quan") name nobody and are dropped, as the importer drops them. Raises
    InvalidInputError, one sentence naming task `ref`, when a name in the units' field is not a unit of the
    ward or an outside body's name is too long."""
    found: list[UnitRef] = []
    unknown: list[str] = []
    for piece in _pieces(words.units):
        for ref_found in units.find_all(piece):
            if ref_found.unit is None:
                unknown.append(ref_found.text)
            else:
                found.append(_as_stored(ref_found))
    if unknown:
        raise InvalidInputError(unknown_units_message(ref, unknown, units))
    for piece in _pieces(words.outside):
        if not fold(piece):
            continue  # a dash or a stray mark names nobody
        if len(piece) > OUTSIDE_MAX:
            raise InvalidInputError(f"Nhiệm vụ {ref}: tên cơ quan phối hợp dài quá {OUTSIDE_MAX} ký tự; các cơ "
                                    "quan cách nhau bởi dấu chấm phẩy (;).")
        found.append(_as_stored(units.resolve(piece), written=piece))
    return _once(found)


def unknown_units_message(ref: str, unknown: list[str], units: UnitDirectory) -> str:
    """"Nhiệm vụ 2.1.3: «Phòng VHXX» không phải đơn vị của phường (có phải Phòng Văn hóa - Xã hội?). ...":
    what is wrong, the likeliest unit meant, and where an outside body goes."""
    named = ", ".join(f"«{name}»" for name in dict.fromkeys(unknown))
    candidates = {variant: entry.name for entry in units.entries for variant in entry.variants}
    likely = closest(unknown[0], candidates, limit=1)
    hint = f" (có phải {likely[0]}?)" if likely else ""
    return (f"Nhiệm vụ {ref}: {named} không phải đơn vị của phường{hint}. Cơ quan ngoài phường ghi ở ô "
            f"«{OUTSIDE_FIELD}».")


def coordinators_said(ref: str, coordinating: list[UnitRef]) -> str:
    """The line saying what a correction made of a task's coordinating units."""
    names = [c.unit if c.unit not in (None, ALL_UNITS) else c.text for c in coordinating]
    if not names:
        return f"Nhiệm vụ {ref}: không có đơn vị phối hợp."
    return f"Nhiệm vụ {ref}: phối hợp với {'; '.join(n for n in names if n)}."


def same_coordinators(first: list[UnitRef], second: list[UnitRef]) -> bool:
    """Whether two lists would store the same coordinating units and outside bodies."""
    return _stored_form(first) == _stored_form(second)


def _stored_form(coordinating: list[UnitRef]) -> tuple[list[str], list[str]]:
    units = [c.unit or "" for c in coordinating if c.unit not in (None, ALL_UNITS)]
    outside = [fold(c.text) for c in coordinating if c.unit in (None, ALL_UNITS)]
    return list(dict.fromkeys(units)), outside


def _as_stored(found: UnitRef, *, written: str = "") -> UnitRef:
    # A ward unit keeps its name only; a phrase for every unit and an outside body keep their words.
    if found.unit not in (None, ALL_UNITS):
        return UnitRef(text=found.unit or "", unit=found.unit)
    return UnitRef(text=written or found.text, unit=found.unit)


def _once(found: list[UnitRef]) -> list[UnitRef]:
    kept: list[UnitRef] = []
    seen: set[str] = set()
    for ref in found:
        key = ref.unit if ref.unit not in (None, ALL_UNITS) else f"text:{fold(ref.text)}"
        if key not in seen:
            seen.add(key)
            kept.append(ref)
    return kept


def _pieces(text: str) -> list[str]:
    return [piece for piece in (nfc(p).strip(" ,.") for p in _PIECES.split(text)) if piece]


def _words(text: str) -> str:
    return " ".join(text.split())
