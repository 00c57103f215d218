"""What an import would create, as the command line, the chat and later the web console show it before
anything is stored: the document's heading, each task with its owner and deadline, the owners' counts,
the tasks still without an owner, and the importer's warnings. Each face only lays it out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from tracker.clock import Clock
from tracker.dates import format_day
from tracker.importer.model import ALL_UNITS, DOCUMENT_KIND_WORDS, ParsedDocument, ParsedTask
from tracker.importer.parse import parse_document
from tracker.jobdays import ward_rules
from tracker.models import Organization, Person
from tracker.usecases.common import ward_today
from tracker.usecases.imports import unit_directory

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


def preview_import(parsed: ParsedDocument, *, file_name: str) -> ImportPreview:
    """What `parsed`, read from `file_name`, would create."""
    return ImportPreview(
        file_name=file_name, kind_words=DOCUMENT_KIND_WORDS.get(parsed.kind, parsed.kind), number=parsed.number,
        issued=parsed.issued, tasks=tuple(_task(task) for task in parsed.tasks), warnings=tuple(parsed.warnings),
    )


def _task(task: ParsedTask) -> PreviewTask:
    owner = ALL_UNITS_WORDS if task.owner.unit == ALL_UNITS else task.owner.unit
    deadline = task.deadline
    return PreviewTask(
        ref=task.ref, title=task.title, owner=owner, owner_text=task.owner.text,
        coordinating="; ".join(c.unit or c.text for c in task.coordinating), deadline_text=deadline.text,
        due=deadline.due or deadline.default, due_is_default=deadline.due is None and deadline.default is not None,
        review=tuple(task.to_json()["review"]),
    )
