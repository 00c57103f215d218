"""What the importer found in a document, before anything is stored: plain dataclasses with the
stable JSON shape of `tracker import --dry-run --json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

ALL_UNITS = "*"
# What a person reads for each document kind.
DOCUMENT_KIND_WORDS = {
    "conclusion_notice": "thông báo kết luận",
    "task_table": "bảng nhiệm vụ",
    "other": "văn bản khác",
}

# The fields a correction before saving may change, as the command line and the chat spell them.
FIELDS_HELP = "owner=<đơn vị>, deadline=<thời hạn>, title=<nội dung>, skip"

# The end of the review note of a date that does not exist ("Ngày 31/02/2026 không có thật; ..."): such a
# task cannot be stored until its deadline is written again or it is skipped.
IMPOSSIBLE_DATE_NOTE = "không có thật; cần nhập lại thời hạn."


@dataclass
class Deadline:
    """A deadline as written and as understood. `review` lists reasons a person should check it;
    `default` is the date confirming will give a task that has no deadline of its own; `starts` is the
    first day of the period the deadline names ("Tháng 9/2026" → 1/9/2026, "Quý II" → 1/4), None when
    it names none (a day, a recurring rule, no deadline): the task's period then starts at assignment."""

    text: str
    kind: str = "none"
    due: date | None = None
    milestones: list[date] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    recurrence: str = ""
    default: date | None = None
    starts: date | None = None

    @property
    def impossible(self) -> bool:
        """Whether the deadline names a date that does not exist."""
        return any(note.endswith(IMPOSSIBLE_DATE_NOTE) for note in self.review)

    def to_json(self, *, with_review: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "kind": self.kind,
            "due": _iso(self.due),
            "milestones": [d.isoformat() for d in self.milestones],
            "default": _iso(self.default),
            "starts": _iso(self.starts),
        }
        if with_review:
            data["review"] = list(self.review)
        return data


@dataclass
class UnitRef:
    """A unit as written, and the configured unit's name it resolved to ('*' for all units, None
    when it is not a unit of the ward: an outside body, or a name to review)."""

    text: str
    unit: str | None

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "unit": self.unit}


def unresolved_owner_review(owner: UnitRef) -> list[str]:
    """The review note a parser gives a task whose owner is not a unit of the ward: [] when it is one (or
    every unit), else one Vietnamese sentence quoting the words as written (or saying none were found) and
    telling the reviewer how to choose, so every layout flags an unknown owner the same way."""
    if owner.unit is not None:
        return []
    if not owner.text:
        return ["Chưa rõ đơn vị chủ trì: hãy chọn đơn vị (owner=...)."]
    return [f"Đơn vị chủ trì «{owner.text}» không có trong danh sách đơn vị của phường: hãy chọn đơn vị "
            "(owner=...)."]


@dataclass
class ParsedUpdate:
    """A result reported in the document itself (Phụ lục 1), imported as an Update of its month."""

    result: str
    forecast: str = ""
    recommendation: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "forecast": self.forecast, "recommendation": self.recommendation}


@dataclass
class ParsedTask:
    """A task as found. `starts` is the day it is assigned when the document says so: the first day of
    the month a plan table is for (Phụ lục 5 of May's report: 1/6); None for other tables and notices,
    whose tasks are assigned when the document is."""

    ref: str
    owner: UnitRef
    title: str
    deadline: Deadline
    coordinating: list[UnitRef] = field(default_factory=list)
    expected_output: str = ""
    leader: str = ""
    update: ParsedUpdate | None = None
    review: list[str] = field(default_factory=list)
    starts: date | None = None
    # The owner as the document wrote it, when a reviewer mapped an unknown owner to a unit: saving the
    # task teaches the ward that name (tracker.usecases.units.learn_unit_alias).
    owner_learned_from: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "owner": self.owner.to_json(),
            "coordinating": [c.to_json() for c in self.coordinating],
            "title": self.title,
            "expected_output": self.expected_output,
            "deadline": self.deadline.to_json(),
            "update": self.update.to_json() if self.update else None,
            "review": self.review + [r for r in self.deadline.review if r not in self.review],
            "starts": _iso(self.starts),
        }


@dataclass
class ParsedDocument:
    kind: str  # conclusion_notice | task_table | other
    layout: str = ""  # how its tasks were written: "sections" (2.1 Phòng ...), "prose", "table"; "" for none
    number: str = ""
    issued: date | None = None
    meeting: date | None = None
    title: str = ""
    tasks: list[ParsedTask] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    report_month: str | None = None  # "2026-05" for a results appendix (Phụ lục 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "document": {
                "kind": self.kind,
                "layout": self.layout,
                "number": self.number,
                "issued": _iso(self.issued),
                "meeting": _iso(self.meeting),
                "title": self.title,
            },
            "tasks": [t.to_json() for t in self.tasks],
            "warnings": list(self.warnings),
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
