"""Coordinating units of an assignment: the named bodies after "phối hợp (chặt chẽ) (với|cùng)", with
shared-prefix lists expanded ("các Sở: Kế hoạch và Đầu tư, Xây dựng" → Sở Kế hoạch và Đầu tư, Sở Xây
dựng; "UBND các huyện: Đakrông, Hải Lăng" → UBND huyện Đakrông, UBND huyện Hải Lăng). Generic phrases
("các cơ quan, đơn vị liên quan", "các sở, ban ngành") name nobody and are left out; so are the
recipients of a report, which follow "báo cáo", not "phối hợp"."""

from __future__ import annotations

import re

from tracker.importer.deadline_grammar import normalise
from tracker.importer.directive_words import STRONG_VERBS
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ALL_UNITS, UnitRef
from tracker.importer.owners import named_list, read_owner, starts_with_owner

_COORDINATE = re.compile(r"(?<!\w)phối\s+hợp(?:\s+chặt\s+chẽ)?(?:\s+(?:với|cùng))?\s+")
_LIST_END = re.compile(rf"[;.!?]|\s(?:{STRONG_VERBS}|để|nhằm)(?!\w)|$")
_VAGUE = re.compile(r"(?<!\w)(?:liên\s+quan|chức\s+năng|có\s+liên\s+quan)(?!\w)")


def partners_of(clause: str, units: UnitDirectory) -> list[UnitRef]:
    """The coordinating units named in `clause`, in order, each once. Never raises."""
    low = normalise(clause)
    partners: list[UnitRef] = []
    for match in _COORDINATE.finditer(low):
        for ref in _partner_groups(clause, low, match.end(), units)[0]:
            if ref.unit != ALL_UNITS and not _VAGUE.search(normalise(ref.text)) and all(
                    ref.text != p.text for p in partners):
                partners.append(ref)
    return partners


def partner_spans(text: str, units: UnitDirectory) -> list[tuple[int, int]]:
    """Where the lists of coordinating units stand in `text`: a ';' inside one does not start a clause."""
    low = normalise(text)
    return [(m.start(), _partner_groups(text, low, m.end(), units)[1]) for m in _COORDINATE.finditer(low)]


def _partner_groups(clause: str, low: str, pos: int, units: UnitDirectory) -> tuple[list[UnitRef], int]:
    """Groups separated by ';', each an owner phrase or a prefix with its names after a colon; and where
    the last group ends."""
    found: list[UnitRef] = []
    while (phrase := read_owner(clause, low, pos, units)) is not None and not phrase.person:
        pos = phrase.end
        if low.startswith(":", pos):
            end = _LIST_END.search(low, pos + 1).start()  # type: ignore[union-attr]  # "$" always matches
            found += named_list(clause[phrase.start:phrase.end], clause[pos + 1:end], units)
            pos = end
        else:
            found += phrase.owners
        after = pos + 1 + len(low[pos + 1:]) - len(low[pos + 1:].lstrip())
        if not low.startswith(";", pos) or not starts_with_owner(low, after):
            break
        pos = after
    return found, pos
