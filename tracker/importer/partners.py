"""Coordinating units of an assignment: the named bodies after "phối hợp (chặt chẽ) (với|cùng)", with
shared-prefix lists expanded ("các Sở: Kế hoạch và Đầu tư, Xây dựng" → Sở Kế hoạch và Đầu tư, Sở Xây
dựng; "UBND các huyện: Đakrông, Hải Lăng" → UBND huyện Đakrông, UBND huyện Hải Lăng). Generic phrases
("các cơ quan, đơn vị liên quan", "các sở, ban ngành") name nobody and are left out; so are the
recipients of a report, which follow "báo cáo", not "phối hợp"."""

from __future__ import annotations

import re

from tracker.importer.deadline_grammar import normalise
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ALL_UNITS, UnitRef
from tracker.importer.owners import STRONG_VERBS, is_generic, read_owner, starts_with_owner

_COORDINATE = re.compile(r"(?<!\w)phối\s+hợp(?:\s+chặt\s+chẽ)?(?:\s+(?:với|cùng))?\s+")
_LIST_END = re.compile(rf"[;.!?]|\s(?:{STRONG_VERBS}|để|nhằm)(?!\w)|$")
_VAGUE = re.compile(r"(?<!\w)(?:liên\s+quan|chức\s+năng|có\s+liên\s+quan)(?!\w)")


def partners_of(clause: str, units: UnitDirectory) -> list[UnitRef]:
    """The coordinating units named in `clause`, in order, each once. Never raises."""
    low = normalise(clause)
    partners: list[UnitRef] = []
    for match in _COORDINATE.finditer(low):
        for ref in _partner_groups(clause, low, match.end(), units):
            if ref.unit != ALL_UNITS and not _VAGUE.search(normalise(ref.text)) and all(
                    ref.text != p.text for p in partners):
                partners.append(ref)
    return partners


def _partner_groups(clause: str, low: str, pos: int, units: UnitDirectory) -> list[UnitRef]:
    """Groups separated by ';', each an owner phrase or a prefix with its names after a colon."""
    found: list[UnitRef] = []
    while (phrase := read_owner(clause, low, pos, units)) is not None and not phrase.person:
        pos = phrase.end
        if low.startswith(":", pos):
            end = _LIST_END.search(low, pos + 1).start()  # type: ignore[union-attr]  # "$" always matches
            found += _named_list(clause[phrase.start:phrase.end], clause[pos + 1:end], units)
            pos = end
        else:
            found += phrase.owners
        if not low.startswith(";", pos) or not starts_with_owner(low, pos + 1 + len(low[pos + 1:]) - len(low[pos + 1:].lstrip())):
            break
        pos += 1
    return found


def _and_rest(names: str) -> tuple[str, str]:
    """"Đakrông, Hải Lăng và các sở, ban ngành liên quan" → the names, and the phrase after "và các"."""
    parts = re.split(r"\s+và\s+(?=(?:các|những)\s)", names, maxsplit=1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def _named_list(head: str, names: str, units: UnitDirectory) -> list[UnitRef]:
    prefix = re.sub(r"(?i)(?<!\w)(?:các|những)\s+", "", head.strip())
    found = []
    listed, rest = _and_rest(names)
    for name in re.split(r"\s*,\s*", listed) + ([rest] if rest else []):
        name = name.strip(" .")
        if not name or is_generic(name) or _VAGUE.search(normalise(name)):
            continue
        found.append(units.resolve(name if starts_with_owner(normalise(name), 0) else f"{prefix} {name}"))
    return found
