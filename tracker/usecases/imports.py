"""Storing what the importer found: the source document, its tasks and the results it reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import InvalidInputError
from tracker.importer.directory import UnitDirectory
from tracker.importer.fingerprint import text_fingerprint
from tracker.importer.model import ALL_UNITS, ParsedDocument, ParsedTask
from tracker.importer.reading import DocumentText
from tracker.models import Person, SourceDocument, Task, Unit
from tracker.usecases.progress import record_update
from tracker.usecases.reimports import earlier_import
from tracker.usecases.tasks import TaskDraft, create_tasks
from tracker.usecases.units import learn_unit_alias, list_units


@dataclass
class ImportOutcome:
    """`created` is False when the document was imported before, in this file or another
    (tracker.usecases.reimports.earlier_import): nothing was added, and `document` is the earlier import."""

    document: SourceDocument
    created: bool
    tasks: list[Task] = field(default_factory=list)
    updates: int = 0


def unit_directory(session: Session, *, org_id: int) -> UnitDirectory:
    """The ward's active units as the importer's name finder."""
    units = list_units(session, org_id=org_id)
    return UnitDirectory.from_names((u.name, u.short_name, [*u.aliases, *u.learned_aliases]) for u in units)


def import_document(
    session: Session, *, clock: Clock, actor: Person, source: DocumentText, parsed: ParsedDocument,
    channel: str = "cli",
) -> ImportOutcome:
    """Store the document and its tasks (a task for every unit where the owner is '*'), each with its
    audit event, and the results a results appendix reports as Updates of its month. Tasks without a
    deadline get the default computed by the importer, marked as a default. A task is assigned on the day its
    table starts it (a plan for June: 1 June; a results appendix of May: 1 May), else on the meeting's or the
    document's day; the period its deadline names starts on `starts_on`. Importing a file whose
    content was imported before creates nothing. Raises ForbiddenError, or InvalidInputError naming the
    tasks that still have no owner; the caller's transaction keeps it all-or-nothing. A document imported
    before in any file (tracker.usecases.reimports.earlier_import) creates nothing either: a corrected
    version is applied with apply_reimport. A document without tasks is not stored, nor one with a deadline
    that does not exist (InvalidInputError)."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    existing = earlier_import(session, org_id=actor.org_id, source=source, parsed=parsed)
    if existing is not None:
        return ImportOutcome(document=existing, created=False)
    if not parsed.tasks:
        raise InvalidInputError(nothing_to_store(source.file_name))
    units = {u.name: u for u in list_units(session, org_id=actor.org_id)}
    check_owners(parsed.tasks, units)
    check_dates(parsed.tasks)
    document = _store_document(session, clock=clock, actor=actor, source=source, parsed=parsed, channel=channel)
    outcome = ImportOutcome(document=document, created=True)
    drafts: list[TaskDraft] = []
    reported: list[tuple[int, ParsedTask]] = []
    for parsed_task in parsed.tasks:
        owners = list(units.values()) if parsed_task.owner.unit == ALL_UNITS else [units[parsed_task.owner.unit or ""]]
        for owner in owners:
            if parsed_task.update and parsed_task.update.result:
                reported.append((len(drafts), parsed_task))
            drafts.append(task_draft(parsed_task, owner, units, document))
    outcome.tasks = create_tasks(session, clock=clock, actor=actor, drafts=drafts, channel=channel)
    learn_owner_names(session, clock=clock, actor=actor, tasks=parsed.tasks, channel=channel)
    for index, parsed_task in reported:
        assert parsed_task.update is not None
        record_update(session, clock=clock, actor=actor, task_id=outcome.tasks[index].id or 0, channel=channel,
                      result_text=parsed_task.update.result, forecast=parsed_task.update.forecast,
                      recommendation=parsed_task.update.recommendation, month=parsed.report_month)
        outcome.updates += 1
    return outcome


def nothing_to_store(file_name: str) -> str:
    """The line saying that a document without tasks is not stored."""
    return f"Văn bản «{file_name}» không có nhiệm vụ nào nên không lưu gì."


def learn_owner_names(session: Session, *, clock: Clock, actor: Person, tasks: list[ParsedTask],
                      channel: str = "cli") -> None:
    """Teach the ward the owners a reviewer mapped by hand ("Phòng VH&TT" → Phòng Văn hóa - Xã hội), once
    each, so that the next document naming them needs no correction."""
    taught: set[tuple[str, str]] = set()
    for task in tasks:
        pair = (task.owner_learned_from, task.owner.unit or "")
        if pair[0] and pair[1] not in ("", ALL_UNITS) and pair not in taught:
            taught.add(pair)
            learn_unit_alias(session, clock=clock, actor=actor, unit_name=pair[1], words=pair[0], channel=channel)


def check_dates(tasks: list[ParsedTask]) -> None:
    """Raises InvalidInputError naming the tasks whose deadline is a date that does not exist: stored as
    they are, they would have no due date and never be reminded."""
    wrong = [t.ref for t in tasks if t.deadline.impossible]
    if wrong:
        raise InvalidInputError(
            f"Thời hạn của nhiệm vụ {', '.join(wrong[:10])}{' ...' if len(wrong) > 10 else ''} là ngày không có "
            "thật: hãy sửa (deadline=...) hoặc bỏ (skip) trước khi lưu."
        )


def check_owners(tasks: list[ParsedTask], units: dict[str, Unit]) -> None:
    """Raises InvalidInputError naming the tasks whose owner is not a unit of the ward (nor every unit)."""
    missing = [t.ref for t in tasks if t.owner.unit != ALL_UNITS and t.owner.unit not in units]
    if missing:
        raise InvalidInputError(
            f"Chưa rõ đơn vị chủ trì của nhiệm vụ {', '.join(missing[:10])}"
            f"{' ...' if len(missing) > 10 else ''}: hãy sửa (owner=...) hoặc bỏ (skip) trước khi lưu."
        )


def _store_document(
    session: Session, *, clock: Clock, actor: Person, source: DocumentText, parsed: ParsedDocument, channel: str
) -> SourceDocument:
    fields = dict(
        org_id=actor.org_id, kind=parsed.kind, number=parsed.number, title=parsed.title[:500],
        issued_on=parsed.issued, meeting_on=parsed.meeting, file_name=source.file_name[:255],
        file_hash=source.file_hash, text_hash=text_fingerprint(source.text), text=source.text, created_at=clock.now(),
    )
    # The same file imported again after an undo takes back its row: a file is stored once per ward.
    undone = session.exec(select(SourceDocument).where(SourceDocument.org_id == actor.org_id,
                                                       SourceDocument.file_hash == source.file_hash)).first()
    document = undone or SourceDocument(**fields)
    for name, value in fields.items():
        setattr(document, name, value)
    document.undone_at = None
    session.add(document)
    session.flush()
    after = {k: v for k, v in audit.snapshot(document).items() if k != "text"}
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="source_document",
                 entity_id=document.id or 0, action="import", before=None, after=after, channel=channel)
    return document


# Only a deadline that names a whole period ("Tháng 6", "Quý III") says when the work happens; one that
# names a moment ("trong tuần đầu tháng 7", a day) leaves the work to the time before it: seed 000 plans
# "Trong tuần đầu tháng 7 năm 2026" for June.
_PERIOD_KINDS = {"month", "quarter", "year"}


def task_draft(parsed: ParsedTask, owner: Unit, units: dict[str, Unit], document: SourceDocument) -> TaskDraft:
    """The task an imported item makes for `owner` (one per unit when the item is for every unit)."""
    deadline = parsed.deadline
    due, is_default = deadline.due, False
    if due is None and deadline.kind == "none" and deadline.default is not None:
        due, is_default = deadline.default, True
    helpers = [units[c.unit].id or 0 for c in parsed.coordinating if c.unit in units and c.unit != owner.name]
    # "Các cơ quan chuyên môn" (every unit) is kept as written: listing every unit's name would say less.
    outside = [c.text for c in parsed.coordinating if c.unit is None or c.unit == ALL_UNITS]
    return TaskDraft(
        title=parsed.title, owner_unit_id=owner.id or 0, expected_output=parsed.expected_output,
        coordinating_unit_ids=helpers, outside_bodies=outside, deadline_text=deadline.text,
        deadline_kind=deadline.kind,  # type: ignore[arg-type]
        due_on=due, milestones=list(deadline.milestones), due_is_default=is_default,
        starts_on=deadline.starts if deadline.kind in _PERIOD_KINDS else None,
        recurrence=deadline.recurrence, assigned_on=parsed.starts or document.meeting_on or document.issued_on,
        source_document_id=document.id, item_ref=parsed.ref,
    )
