"""Tasks from the clauses tracker.importer.prose finds: the deadline (in the clause, the sentence after it,
or the lead-in's period), the coordinators and expected output, a restatement dropped, refs in reading
order."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date

from tracker.importer import directive_words as vocab
from tracker.importer.deadline_grammar import normalise
from tracker.importer.deadlines import find_deadline, parse_deadline
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import Deadline, ParsedTask, UnitRef
from tracker.importer.partners import partners_of
from tracker.names import fold
from tracker.workdays import WorkCalendar

RECENT_CLAUSES = 20
# Words that say how a task is given, not what it is.
_DIRECTIVE_WORDS = {
    "giao", "yeu", "cau", "de", "nghi", "can", "phai", "co", "trach", "nhiem", "duoc", "cung", "tiep", "tuc",
    "khan", "truong", "chu", "dong"
}
NO_OWNER = "Chưa rõ đơn vị chủ trì: hãy chọn đơn vị (owner=...)."


@dataclass(frozen=True)
class Dating:
    """How deadlines are read: against the document's day, with the ward's calendar of working days."""

    on: date
    calendar: WorkCalendar | None = None

    def find(self, text: str) -> Deadline | None:
        return find_deadline(text, on=self.on, calendar=self.calendar)

    def parse(self, text: str) -> Deadline:
        return parse_deadline(text, on=self.on, calendar=self.calendar)


@dataclass
class Clause:
    text: str
    owners: list[UnitRef]
    start: int = 0  # where the clause starts in its sentence


def make_tasks(clause: Clause, units: UnitDirectory, dating: Dating, *, follow: str = "",
           period: Deadline | None = None) -> list[ParsedTask]:
    deadline = dating.find(clause.text) or _follow_up_deadline(follow, dating) or period or Deadline(text="")
    title = clause.text[:1].upper() + clause.text[1:]
    tasks = []
    for owner in clause.owners:
        review = [NO_OWNER] if owner.unit is None and not owner.text else []
        tasks.append(ParsedTask(
            ref="", owner=owner, title=title, deadline=copy.deepcopy(deadline),
            expected_output=_expected_output(clause.text),
            coordinating=[p for p in partners_of(clause.text, units) if not _same(p, owner)],
            review=review,
        ))
    return tasks


def _expected_output(clause: str) -> str:
    """What the clause says the work yields: "(sản phẩm: Kế hoạch ...)", "; sản phẩm là báo cáo ..."."""
    found = vocab.OUTPUT.search(normalise(clause))
    return clause[found.start(1):found.end(1)].strip(" ,;.()") if found else ""


def _follow_up_deadline(sentence: str, dating: Dating) -> Deadline | None:
    """A deadline given in the sentence right after the assignment: "Thời gian giải quyết hoàn thành
    trước ngày 30 tháng 6.", "Việc thành lập phải được thực hiện trong năm 2017."."""
    low = normalise(sentence)
    if not re.match(r"\s*(?:thời\s+(?:gian|hạn)|hạn|việc|các\s+nội\s+dung\s+trên|nhiệm\s+vụ\s+này)(?!\w)", low):
        return None
    found = dating.find(sentence)
    if found is None:
        year = re.search(r"(?:thực\s+hiện|hoàn\s+thành|xong)\s+trong\s+(năm\s+\d{4})", low)
        found = dating.find("hoàn thành trong " + sentence[year.start(1):year.end(1)]) if year else None
    return found


def _same(partner: UnitRef, owner: UnitRef) -> bool:
    return partner.text == owner.text or (partner.unit is not None and partner.unit == owner.unit)


def without_restatements(tasks: list[ParsedTask]) -> list[ParsedTask]:
    """A later clause for the same owner that says nothing a recent one did not ("Giao Phòng A rà soát hộ
    nghèo năm 2026 ... Phòng A cần rà soát hộ nghèo năm 2026.") restates it and adds nothing; one new word
    ("hộ cận nghèo") makes it a task of its own. Only the owner's last clauses are compared: a restatement
    follows what it restates, and a long notice stays linear."""
    kept: list[ParsedTask] = []
    recent: dict[tuple[str, str | None], list[tuple[str, set[str]]]] = {}
    for task in tasks:
        words = set(fold(task.title).split()) - _DIRECTIVE_WORDS
        earlier = recent.setdefault((task.owner.text, task.owner.unit), [])
        if any(title != task.title and words <= seen for title, seen in earlier):
            continue
        kept.append(task)
        earlier.append((task.title, words))
        del earlier[:-RECENT_CLAUSES]
    return kept


def number_tasks(tasks: list[ParsedTask]) -> None:
    """Refs in reading order: one number per clause, and a letter per owner when a clause has several."""
    groups: list[list[ParsedTask]] = []
    for task in tasks:
        if groups and groups[-1][0].title is task.title:
            groups[-1].append(task)
        else:
            groups.append([task])
    for number, group in enumerate(groups, start=1):
        for index, task in enumerate(group):
            task.ref = str(number) + ("abcdefghijklmnopqrstuvwxyz"[index % 26] if len(group) > 1 else "")
