"""One notice, one import: a document already imported is recognised whatever file it comes in, a
corrected version updates the tasks it gave instead of adding new ones, an import can be undone, and the
imported documents can be listed with their task counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import InvalidInputError, NotFoundError
from tracker.importer.fingerprint import number_key, similarity, text_fingerprint
from tracker.importer.model import ALL_UNITS, ParsedDocument, ParsedTask
from tracker.importer.reading import DocumentText
from tracker.models import Person, SourceDocument, Task, Unit, Update
from tracker.models.enums import TaskStatus
from tracker.usecases.tasks import TaskChanges, TaskDraft, cancel_task, create_tasks, update_task
from tracker.usecases.units import list_units

# The fields a corrected notice may change on a task it gave, with their Vietnamese names.
_COMPARED = {
    "title": "nội dung",
    "expected_output": "sản phẩm",
    "deadline_text": "thời hạn",
    "deadline_kind": "loại thời hạn",
    "due_on": "ngày đến hạn",
    "coordinating_unit_ids": "đơn vị phối hợp",
    "outside_bodies": "cơ quan phối hợp",
}
SAME_DOCUMENT = 0.8  # shared three-word runs above which two texts of one date are one document
_SETTLED = {TaskStatus.DONE.value, TaskStatus.CANCELLED.value}


@dataclass
class TaskChange:
    """A task the corrected document words differently: which fields, and what they become."""

    task: Task
    draft: TaskDraft
    fields: list[str]


@dataclass
class ImportChanges:
    """What importing a corrected version would do (or did): tasks to add, tasks to change, tasks whose
    item is gone and that are cancelled. Empty when the document says the same as before."""

    added: list[TaskDraft] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    removed: list[Task] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


@dataclass
class ImportedDocument:
    """A row of `tracker import --list`."""

    document: SourceDocument
    tasks: int
    open: int
    done: int
    cancelled: int


def earlier_import(session: Session, *, org_id: int, source: DocumentText, parsed: ParsedDocument | None = None
                   ) -> SourceDocument | None:
    """The document already imported (and not undone) that `source` is: the same file, the same words in
    any format, the same number issued on the same day, or (a draft and then its signed copy, a corrected
    version) a text of the same date that says nearly the same (tracker.importer.fingerprint.similarity).
    None when it is new."""
    active = select(SourceDocument).where(SourceDocument.org_id == org_id, SourceDocument.undone_at.is_(None))
    same_text = active.where((SourceDocument.file_hash == source.file_hash)
                             | (SourceDocument.text_hash == text_fingerprint(source.text)))
    found = session.exec(same_text.order_by(SourceDocument.id)).first()
    if found is not None or parsed is None:
        return found
    if parsed.number and parsed.issued is not None:
        wanted = number_key(parsed.number)
        dated = active.where(SourceDocument.issued_on == parsed.issued, SourceDocument.number != "")
        found = next((d for d in session.exec(dated) if number_key(d.number) == wanted), None)
    return found or _nearly_same(session, active, source, parsed)


def _nearly_same(session: Session, active, source: DocumentText, parsed: ParsedDocument  # type: ignore[no-untyped-def]
                 ) -> SourceDocument | None:
    days = [d for d in (parsed.issued, parsed.meeting) if d is not None]
    if not days:
        return None  # without a date, only the same words make the same document
    dated = active.where(SourceDocument.issued_on.in_(days) | SourceDocument.meeting_on.in_(days))
    # Two numbered documents with different numbers are two documents, however alike their words.
    candidates = [d for d in session.exec(dated.order_by(SourceDocument.id))
                  if not (d.number and parsed.number and number_key(d.number) != number_key(parsed.number))]
    scored = [(similarity(d.text, source.text), d) for d in candidates]
    best = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    return best[1] if best[0] >= SAME_DOCUMENT else None


def same_words(document: SourceDocument, source: DocumentText) -> bool:
    """Whether `source` says exactly what `document` said (a re-import would change nothing)."""
    return document.file_hash == source.file_hash or document.text_hash == text_fingerprint(source.text)


def plan_reimport(session: Session, *, actor: Person, document: SourceDocument, parsed: ParsedDocument
                  ) -> ImportChanges:
    """Compare a corrected version with the tasks `document` gave, item by item (by ref; an item for
    every unit is one task per unit). Done and cancelled tasks are left as they are: nothing is reopened.
    Raises ForbiddenError for someone who may not import."""
    from tracker.usecases.imports import task_draft  # the draft an import would make, field for field

    require(actor, Action.CREATE, org_id=actor.org_id)
    units = {u.name: u for u in list_units(session, org_id=actor.org_id)}
    stored: dict[tuple[str, int], Task] = {}
    for task in session.exec(select(Task).where(Task.source_document_id == document.id)):
        stored[(task.item_ref, task.owner_unit_id)] = task
    changes = ImportChanges()
    wanted: set[tuple[str, int]] = set()
    for parsed_task in parsed.tasks:
        for owner in _owners(parsed_task, units):
            key = (parsed_task.ref, owner.id or 0)
            wanted.add(key)
            draft = task_draft(parsed_task, owner, units, document)
            task = stored.get(key)
            if task is None:
                changes.added.append(draft)
            elif task.status not in _SETTLED and (differing := _differences(task, draft)):
                changes.changed.append(TaskChange(task, draft, differing))
    changes.removed = [t for key, t in stored.items() if key not in wanted and t.status not in _SETTLED]
    return changes


def apply_reimport(session: Session, *, clock: Clock, actor: Person, document: SourceDocument,
                   source: DocumentText, parsed: ParsedDocument, channel: str = "cli") -> ImportChanges:
    """Apply a corrected version to `document`'s tasks: add the new items, update the changed ones, cancel
    those no longer in it (each change audited as the task use cases audit it), and keep the corrected
    text as the document's. Raises InvalidInputError naming items that still have no owner unit."""
    from tracker.usecases.imports import check_owners, learn_owner_names

    check_owners(parsed.tasks, {u.name: u for u in list_units(session, org_id=actor.org_id)})
    changes = plan_reimport(session, actor=actor, document=document, parsed=parsed)
    create_tasks(session, clock=clock, actor=actor, drafts=changes.added, channel=channel)
    learn_owner_names(session, clock=clock, actor=actor, tasks=parsed.tasks, channel=channel)
    for change in changes.changed:
        values = {name: getattr(change.draft, name) for name in change.fields}
        update_task(session, clock=clock, actor=actor, task_id=change.task.id or 0, changes=TaskChanges(**values),
                    channel=channel)
    for task in changes.removed:
        cancel_task(session, clock=clock, actor=actor, task_id=task.id or 0, channel=channel,
                    reason=f"Không còn trong văn bản sửa đổi ({source.file_name}).")
    before = {"text_hash": document.text_hash, "title": document.title}
    document.text, document.text_hash = source.text, text_fingerprint(source.text)
    document.title = parsed.title[:500] or document.title
    session.add(document)
    session.flush()
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="source_document",
                 entity_id=document.id or 0, action="reimport", before=before,
                 after={"text_hash": document.text_hash, "title": document.title, "file_name": source.file_name},
                 channel=channel)
    return changes


def undo_import(session: Session, *, clock: Clock, actor: Person, document_id: int, reason: str,
                force: bool = False, channel: str = "cli") -> tuple[list[Task], list[Task]]:
    """Cancel every task that came from the document, with one reason, and mark it undone, so that it no
    longer counts as imported. Tasks with reported results are kept with --force (`force`), and without it
    the whole undo is refused with InvalidInputError. Returns (cancelled, kept). Raises NotFoundError for a
    document of another ward or one already undone."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    document = session.get(SourceDocument, document_id)
    if document is None or document.org_id != actor.org_id or document.undone_at is not None:
        raise NotFoundError(f"Không có văn bản đã nhập số {document_id}.")
    reason = reason.strip() or f"Hủy việc nhập văn bản {document.number or document.file_name}."
    tasks = [t for t in session.exec(select(Task).where(Task.source_document_id == document.id).order_by(Task.id))
             if t.status != TaskStatus.CANCELLED]
    reported = _with_results(session, tasks)
    if reported and not force:
        raise InvalidInputError(
            f"{len(reported)} nhiệm vụ của văn bản này đã có báo cáo kết quả; thêm --force để hủy các nhiệm vụ còn "
            "lại và giữ những nhiệm vụ đó.")
    cancelled = [cancel_task(session, clock=clock, actor=actor, task_id=t.id or 0, reason=reason, channel=channel)
                 for t in tasks if t.id not in reported]
    document.undone_at = clock.now()
    session.add(document)
    session.flush()
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="source_document",
                 entity_id=document.id or 0, action="undo", before=None,
                 after={"reason": reason, "cancelled": len(cancelled), "kept": len(reported)}, channel=channel)
    return cancelled, [t for t in tasks if t.id in reported]


def find_document(session: Session, *, org_id: int, key: str) -> SourceDocument:
    """The imported document named by its id or its number ("1314/TB-UBND"), the newest one not undone
    first. Raises NotFoundError."""
    query = select(SourceDocument).where(SourceDocument.org_id == org_id).order_by(
        SourceDocument.undone_at.is_not(None), SourceDocument.id.desc())
    wanted = number_key(key)
    for document in session.exec(query):
        if key.strip() == str(document.id) or (document.number and number_key(document.number) == wanted):
            return document
    raise NotFoundError(f"Không có văn bản đã nhập «{key.strip()}» (ghi số thứ tự trong danh sách hoặc số văn bản).")


def list_imports(session: Session, *, actor: Person) -> list[ImportedDocument]:
    """The ward's imported documents, newest first, with how many tasks each gave and where they stand."""
    require(actor, Action.VIEW, org_id=actor.org_id)
    counts: dict[int, dict[str, int]] = {}
    query = (select(Task.source_document_id, Task.status, func.count()).where(Task.org_id == actor.org_id)
             .where(Task.source_document_id.is_not(None)).group_by(Task.source_document_id, Task.status))
    for document_id, status, count in session.exec(query):
        counts.setdefault(document_id, {})[status] = count
    documents = session.exec(select(SourceDocument).where(SourceDocument.org_id == actor.org_id)
                             .order_by(SourceDocument.id.desc()))
    rows = []
    for document in documents:
        by_status = counts.get(document.id or 0, {})
        rows.append(ImportedDocument(
            document=document, tasks=sum(by_status.values()), done=by_status.get(TaskStatus.DONE.value, 0),
            cancelled=by_status.get(TaskStatus.CANCELLED.value, 0),
            open=sum(n for s, n in by_status.items() if s not in _SETTLED)))
    return rows


def _owners(parsed_task: ParsedTask, units: dict[str, Unit]) -> list[Unit]:
    if parsed_task.owner.unit == ALL_UNITS:
        return list(units.values())
    unit = units.get(parsed_task.owner.unit or "")
    return [unit] if unit is not None else []


def _differences(task: Task, draft: TaskDraft) -> list[str]:
    differing = []
    for name in _COMPARED:
        mine, theirs = getattr(task, name), getattr(draft, name)
        if name == "deadline_kind":
            mine, theirs = str(mine), str(getattr(theirs, "value", theirs))
        if name == "due_on" and task.due_is_default and draft.due_is_default:
            continue  # both take the ward's default: nothing the document says has changed
        if mine != theirs:
            differing.append(name)
    return differing


def _with_results(session: Session, tasks: list[Task]) -> set[int]:
    ids = [t.id for t in tasks if t.id is not None]
    if not ids:
        return set()
    return set(session.exec(select(Update.task_id).where(Update.task_id.in_(ids)).distinct()))


def change_words(name: str) -> str:
    """The Vietnamese name of a compared field."""
    return _COMPARED.get(name, name)
