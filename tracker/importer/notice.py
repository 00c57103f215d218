"""Conclusion notices (Thông báo kết luận): numbered sections per unit with bullets under them.

One task per bullet per owner unit; a heading that names two units gives each its own task; a heading
that names every unit gives one task marked '*' that is expanded on confirm. Praise, assessments and
the list of recipients are not tasks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tracker.importer.deadlines import find_deadline
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ALL_UNITS, Deadline, ParsedTask, UnitRef
from tracker.names import fold, nfc

_HEADING = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?\s+(.*\S)\s*$")
_BULLET = re.compile(r"^\s*(?:[-–•+*]|[a-zđ]\))\s+(.*\S)\s*$")
_END = re.compile(r"^\s*(\*\*)?(Nơi nhận|TL\.|KT\.|TM\.|Thừa lệnh)", re.IGNORECASE)
_GIVE = re.compile(r"^(?:Giao|Yêu cầu|Đề nghị)\s+(.+?)\s+(?:chủ trì|thực hiện|tham mưu|khẩn trương|phối hợp|rà soát)",
                   re.IGNORECASE)
_COORDINATE = re.compile(r"phối hợp(?: chặt chẽ)? với\s+(.+)", re.IGNORECASE)
# Where the name of a partner ends: the verb of what they do together, or punctuation.
_PARTNER_END = re.compile(
    r"\s+(?:tham mưu|đẩy nhanh|tập huấn|xây dựng|tổ chức|thực hiện|triển khai|rà soát|giải quyết|đôn đốc|"
    r"hướng dẫn|kiểm tra|để|trong|về|nhằm|bảo đảm|đảm bảo|theo dõi|chuẩn bị|hoàn thành|xử lý)\b|[;.]",
    re.IGNORECASE,
)


@dataclass
class NoticeSection:
    number: str
    owners: list[UnitRef]
    bullets: list[str] = field(default_factory=list)


def parse_notice_tasks(text: str, *, units: UnitDirectory, on: date) -> tuple[list[ParsedTask], list[str]]:
    """The tasks of a conclusion notice and warnings. Never raises on any text."""
    tasks: list[ParsedTask] = []
    warnings: list[str] = []
    for section in _sections(text, units):
        for index, bullet in enumerate(section.bullets, start=1):
            tasks.extend(_tasks_of_bullet(bullet, f"{section.number}.{index}", section.owners, units, on))
    if not tasks:
        warnings.append("Không tìm thấy nhiệm vụ nào trong thông báo.")
    return tasks, warnings


def _sections(text: str, units: UnitDirectory) -> list[NoticeSection]:
    sections: list[NoticeSection] = []
    current: NoticeSection | None = None
    for paragraph in _paragraphs(text):
        if _END.match(paragraph):
            break
        heading = _HEADING.match(paragraph)
        if heading and _is_unit_heading(heading.group(2), units):
            current = NoticeSection(heading.group(1), _heading_owners(heading.group(2), units))
            sections.append(current)
        elif heading:
            current = None
            given = _GIVE.match(heading.group(2))
            # "2. Yêu cầu các phòng, cơ quan, đơn vị ..., cụ thể:" introduces sections; it is not a task.
            if given and not heading.group(2).endswith(":") and (owners := _named_units(given.group(1), units)):
                sections.append(NoticeSection(heading.group(1), owners, [heading.group(2)]))
        elif (bullet := _BULLET.match(paragraph)) and current is not None:
            current.bullets.append(bullet.group(1))
    return sections


def _paragraphs(text: str) -> list[str]:
    return [nfc(p.replace("**", "")) for p in re.split(r"\n\s*\n|\n(?=\s*[-–•]\s)", text) if p.strip()]


def _is_unit_heading(text: str, units: UnitDirectory) -> bool:
    # A unit heading is short and names units only: "2.6. Công an phường, Ban CHQS phường".
    if len(text) > 120 or text.rstrip(":").endswith(("như sau", "cụ thể")):
        return False
    found = units.find_all(text.rstrip(":"))
    return bool(found) and all(ref.unit is not None for ref in found)


def _heading_owners(text: str, units: UnitDirectory) -> list[UnitRef]:
    found = units.find_all(text.rstrip(":"))
    return [ref for ref in found if ref.unit == ALL_UNITS] or found


def _named_units(text: str, units: UnitDirectory) -> list[UnitRef]:
    return [ref for ref in units.find_all(text) if ref.unit is not None]


def _tasks_of_bullet(
    bullet: str, ref: str, owners: list[UnitRef], units: UnitDirectory, on: date
) -> list[ParsedTask]:
    clauses = _clauses_with_own_subject(bullet, units) or [(owners, bullet)]
    tasks: list[ParsedTask] = []
    for clause_index, (clause_owners, clause) in enumerate(clauses):
        clause_ref = ref if len(clauses) == 1 else f"{ref}.{clause_index + 1}"
        deadline = find_deadline(clause, on=on) or Deadline(text="")
        for owner_index, owner in enumerate(clause_owners):
            suffix = "" if len(clause_owners) == 1 else "abcdefghijklmnopqrstuvwxyz"[owner_index % 26]
            tasks.append(ParsedTask(
                ref=clause_ref + suffix,
                owner=owner,
                title=clause,
                deadline=Deadline(**vars(deadline)),
                coordinating=_partners(clause, owner, units),
            ))
    return tasks


def _clauses_with_own_subject(bullet: str, units: UnitDirectory) -> list[tuple[list[UnitRef], str]]:
    """Split "Giao Phòng A chủ trì ...; Phòng B thực hiện ..." into clauses, each with its subject.
    Returns [] when the bullet does not name its own owners (the usual case under a unit heading)."""
    clauses: list[tuple[list[UnitRef], str]] = []
    for clause in (c.strip() for c in bullet.split(";")):
        owners = _clause_owners(clause, units)
        if owners:
            clauses.append((owners, clause))
        elif clauses:
            clauses[-1] = (clauses[-1][0], f"{clauses[-1][1]}; {clause}")
        else:
            return []
    return clauses


def _clause_owners(clause: str, units: UnitDirectory) -> list[UnitRef]:
    if given := _GIVE.match(clause):
        return _named_units(given.group(1), units)
    if subject := _SUBJECT.match(clause):
        # Only a subject made of unit names counts ("Ban CHQS phường thực hiện ..."), not a phrase
        # that merely mentions one ("Phối hợp với Phòng ... tham mưu ...").
        found = units.find_all(subject.group(1))
        if found and all(ref.unit is not None for ref in found):
            return found
    return []


_SUBJECT = re.compile(r"^(.{3,80}?)\s+(?:chủ trì|thực hiện|tham mưu|khẩn trương)\b", re.IGNORECASE)


def _partners(clause: str, owner: UnitRef, units: UnitDirectory) -> list[UnitRef]:
    """Units and outside bodies named after "phối hợp với" (vague ones such as "các cơ quan liên quan"
    are dropped), without the owner itself."""
    partners: list[UnitRef] = []
    for match in _COORDINATE.finditer(clause):
        named = _PARTNER_END.split(match.group(1), maxsplit=1)[0]
        for ref in units.find_all(named):
            if ref.unit in (owner.unit, ALL_UNITS) or (ref.unit is None and fold(ref.text).startswith("cac ")):
                continue
            if all(ref.text != p.text for p in partners):
                partners.append(ref)
    return partners
