"""What an import would create, as the command line, the chat and later the web console show it before
anything is stored: the document's heading, each task with its owner and deadline, the owners' counts,
the tasks still without an owner, and the importer's warnings. A document read from pictures (OCR) also
says so, with the mean confidence, and flags for review every task whose owner, deadline or a date in
its text rests on a word read with little confidence. Each face only lays it out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from tracker.clock import Clock
from tracker.dates import format_day
from tracker.importer.model import ALL_UNITS, DOCUMENT_KIND_WORDS, ParsedDocument, ParsedTask
from tracker.importer.parse import parse_document
from tracker.jobdays import ward_rules
from tracker.models import Organization, Person
from tracker.usecases.common import ward_today
from tracker.usecases.imports import unit_directory

if TYPE_CHECKING:
    from tracker.importer.reading import DocumentText

ALL_UNITS_WORDS = "Tất cả đơn vị"


@dataclass(frozen=True)
class PreviewTask:
    """One task found. `owner` is the unit's name ("Tất cả đơn vị" for every unit), None while nobody in the
    ward matches `owner_text`, the owner as written; `due` is the date read from `deadline_text`, or the
    ward's default (`due_is_default`) when the text gives none."""

    ref: str
    title: str
    owner: str | None
    owner_text: str
    coordinating: str
    deadline_text: str
    due: date | None
    due_is_default: bool
    review: tuple[str, ...]


@dataclass(frozen=True)
class ImportPreview:
    """A document as found: `kind_words` in Vietnamese ("thông báo kết luận"), its number and date, its tasks
    in order and the importer's warnings."""

    file_name: str
    kind_words: str
    number: str
    issued: date | None
    tasks: tuple[PreviewTask, ...]
    warnings: tuple[str, ...]
    # How the file was read, when the person must know: "Chữ được nhận dạng từ ảnh (OCR) ...".
    notes: tuple[str, ...] = ()
    ocr_confidence: float | None = None

    @property
    def heading(self) -> str:
        """"<file>: thông báo kết luận số 12/TB-UBND, ngày 05/05/2026 — 14 nhiệm vụ"."""
        head = f"{self.file_name}: {self.kind_words}"
        if self.number:
            head += f" số {self.number}"
        if self.issued:
            head += f", ngày {format_day(self.issued)}"
        return f"{head} — {len(self.tasks)} nhiệm vụ"

    @property
    def unknown_owner_refs(self) -> list[str]:
        """The tasks that cannot be stored until an owner is chosen."""
        return [task.ref for task in self.tasks if task.owner is None]



def parse_for_ward(session: Session, *, clock: Clock, actor: Person, text: str) -> ParsedDocument:
    """`text` read by the importer for the actor's ward: its units (with the names it learned), its default
    deadline, its working-day calendar and its today."""
    org = session.get(Organization, actor.org_id)
    assert org is not None  # an actor belongs to an existing ward
    rules = ward_rules(org)
    return parse_document(text, units=unit_directory(session, org_id=actor.org_id),
                          today=ward_today(session, clock, actor.org_id), default_due=rules.policy.default_due,
                          calendar=rules.calendar)


def preview_import(parsed: ParsedDocument, *, file_name: str, reading: DocumentText | None = None) -> ImportPreview:
    """What `parsed`, read from `file_name`, would create. With `reading` (the file's text as read), its
    notes come along and, when it was read by OCR, tasks resting on doubtful words are flagged."""
    doubtful = {_bare(word) for word in reading.doubtful_words} - {""} if reading is not None else set()
    return ImportPreview(
        file_name=file_name, kind_words=DOCUMENT_KIND_WORDS.get(parsed.kind, parsed.kind), number=parsed.number,
        issued=parsed.issued, tasks=tuple(_task(task, doubtful) for task in parsed.tasks),
        warnings=tuple(parsed.warnings), notes=tuple(reading.notes) if reading is not None else (),
        ocr_confidence=reading.ocr_confidence if reading is not None else None,
    )


def _task(task: ParsedTask, doubtful: set[str]) -> PreviewTask:
    owner = ALL_UNITS_WORDS if task.owner.unit == ALL_UNITS else task.owner.unit
    deadline = task.deadline
    return PreviewTask(
        ref=task.ref, title=task.title, owner=owner, owner_text=task.owner.text,
        coordinating="; ".join(c.unit or c.text for c in task.coordinating), deadline_text=deadline.text,
        due=deadline.due or deadline.default, due_is_default=deadline.due is None and deadline.default is not None,
        review=tuple(task.to_json()["review"]) + _doubtful_notes(task, doubtful),
    )


# A date or a day/month written in a task's text: "15/5/2026", "30/6", "ngày 15".
_DATE_WORDS = re.compile(r"\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d{1,2}-\d{1,2}-\d{4}")
_EDGES = re.compile(r"^[^\w/]+|[^\w/]+$")


def _doubtful_notes(task: ParsedTask, doubtful: set[str]) -> tuple[str, ...]:
    """One review note per field of `task` that contains a word OCR read with little confidence."""
    if not doubtful:
        return ()
    fields = (("đơn vị chủ trì", task.owner.text), ("thời hạn", task.deadline.text),
              ("ngày tháng", " ".join(d for d in _DATE_WORDS.findall(task.title) if d not in task.deadline.text)))
    notes = []
    for what, text in fields:
        words = [word for word in text.split() if _bare(word) in doubtful]
        if words:
            shown = ", ".join(f"«{word}»" for word in dict.fromkeys(words))
            notes.append(f"Chữ nhận dạng từ ảnh không chắc ở {what}: {shown}; hãy đối chiếu bản giấy.")
    return tuple(notes)


def _bare(word: str) -> str:
    return _EDGES.sub("", word).casefold()
