"""One notice, one import: a document already imported is recognised whatever file it comes in, a
corrected version updates the tasks it gave instead of adding new ones, an import can be undone, and the
imported documents can be listed with their task counts."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.dates import format_day
from tracker.enums import TaskStatus
from tracker.errors import InvalidInputError, NotFoundError
from tracker.importer.fingerprint import number_key, similarity, text_fingerprint
from tracker.importer.model import ALL_UNITS, DOCUMENT_KIND_WORDS, ParsedDocument, ParsedTask
from tracker.importer.reading import DocumentText
from tracker.models import Person, SourceDocument, Task, Unit, Update
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
    "owner_unit_id": "đơn vị chủ trì",
}
# Fields short enough to show as "before → after"; a title or an output is named only.
_SHOWN = ("deadline_text", "due_on", "owner_unit_id", "coordinating_unit_ids", "outside_bodies")
SAME_DOCUMENT = 0.8  # shared three-word runs above which two texts of one date are one document
_SETTLED = {TaskStatus.DONE.value, TaskStatus.CANCELLED.value}
_ACTIVE = {TaskStatus.OPEN.value, TaskStatus.REPORTED_DONE.value}


@dataclass
class TaskChange:
    """A task the corrected document words differently: which fields, what they were when the change was
    planned (`before`, kept apart from the task, which applying the change updates) and what they become."""

    task: Task
    draft: TaskDraft
    fields: list[str]
    before: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportChanges:
    """What importing a corrected version would do (or did): tasks to add, tasks to change, tasks whose
    item is gone and that are cancelled. Empty when the document says the same as before."""

    added: list[TaskDraft] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    removed: list[Task] = field(default_factory=list)
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        """ "1 nhiệm vụ mới, 1 nhiệm vụ sửa, 0 nhiệm vụ bỏ"."""
        return f"{len(self.added)} nhiệm vụ mới, {len(self.changed)} nhiệm vụ sửa, {len(self.removed)} nhiệm vụ bỏ"

    def lines(self, limit: int | None = None) -> list[str]:
        """One Vietnamese line per item (at most `limit` of each kind): "+ 2.3.1. <nội dung>", "~ 2.1.2
        (nhiệm vụ số 5): <what changes>", "- 2.2.1 (nhiệm vụ số 3): không còn trong văn bản, sẽ hủy"."""
        added = [f"+ {d.item_ref}. {_short(d.title)}" for d in self.added[:limit]]
        changed = [f"~ {c.task.item_ref} (nhiệm vụ số {c.task.id}): {self.details(c)}" for c in self.changed[:limit]]
        gone = [f"- {t.item_ref} (nhiệm vụ số {t.id}): không còn trong văn bản, sẽ hủy" for t in self.removed[:limit]]
        return added + changed + gone

    def details(self, change: TaskChange) -> str:
        """What changes on one task, in Vietnamese: "thời hạn «trước ngày 20/6/2026» → «trước ngày
        25/6/2026», ngày đến hạn 20/06/2026 → 25/06/2026, nội dung"."""
        return ", ".join(self._detail(change, name) for name in change.fields)

    def _detail(self, change: TaskChange, name: str) -> str:
        if name not in _SHOWN:
            return change_words(name)
        before, after = change.before.get(name), getattr(change.draft, name)
        return f"{change_words(name)} {self._shown(name, before)} → {self._shown(name, after)}"

    def _shown(self, name: str, value: object) -> str:
        if name == "due_on":
            return format_day(value) if isinstance(value, date) else "không có"
        if name == "owner_unit_id":
            return self.unit_names.get(value if isinstance(value, int) else 0, "?")
        if isinstance(value, list):
            names = [self.unit_names.get(v, "?") if isinstance(v, int) else str(v) for v in value]
            return "«" + "; ".join(names) + "»" if names else "(không có)"
        return f"«{value}»" if value else "(không ghi)"


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
    """Whether `source` says exactly what `document` says now, after any corrected version was applied (a
    re-import would change nothing). Compared with the stored text, not the file: the first file of a
    document that a corrected version has since changed is no longer its words."""
    return text_fingerprint(document.text) == text_fingerprint(source.text)


def plan_reimport(session: Session, *, actor: Person, document: SourceDocument, parsed: ParsedDocument,
                  skipped: Collection[str] = ()) -> ImportChanges:
    """Compare a corrected version with the tasks `document` gave, item by item: by ref and owner unit (an
    item for every unit is one task per unit), and an item of one unit whose ref gave one task keeps that
    task when only its owner changes. Compared: title, expected output, deadline (words, kind, due date),
    coordinating units and bodies, owner. Done and cancelled tasks are left as they are: nothing is
    reopened, re-added or cancelled; so are the tasks of the items whose refs the reviewer `skipped` (taken
    out of `parsed`). Writes nothing. Raises ForbiddenError for someone who may not import."""
    from tracker.usecases.imports import task_draft  # the draft an import would make, field for field

    require(actor, Action.CREATE, org_id=actor.org_id)
    units = {u.name: u for u in list_units(session, org_id=actor.org_id)}
    stored: dict[tuple[str, int], Task] = {}
    for task in session.exec(select(Task).where(Task.source_document_id == document.id).order_by(Task.id)):
        stored[(task.item_ref, task.owner_unit_id)] = task
    wanted = {(p.ref, o.id or 0) for p in parsed.tasks for o in _owners(p, units)}
    changes = ImportChanges(unit_names={u.id or 0: u.name for u in units.values()})
    matched: set[tuple[str, int]] = set()
    for parsed_task in parsed.tasks:
        owners = _owners(parsed_task, units)
        for owner in owners:
            key = (parsed_task.ref, owner.id or 0)
            if key not in stored and len(owners) == 1:
                key = _moved_owner(stored, wanted, parsed_task.ref) or key
            matched.add(key)
            draft = task_draft(parsed_task, owner, units, document)
            task = stored.get(key)
            if task is None:
                changes.added.append(draft)
            elif task.status not in _SETTLED and (differing := _differences(task, draft)):
                changes.changed.append(TaskChange(task, draft, differing, {n: getattr(task, n) for n in differing}))
    changes.removed = [t for key, t in stored.items()
                       if key not in matched and t.status not in _SETTLED and t.item_ref not in skipped]
    return changes


def _moved_owner(stored: dict[tuple[str, int], Task], wanted: set[tuple[str, int]], ref: str
                 ) -> tuple[str, int] | None:
    """The key of the one task `ref` gave, when the corrected version gives that item to another unit."""
    same_ref = [key for key in stored if key[0] == ref]
    if len(same_ref) == 1 and same_ref[0] not in wanted:
        return same_ref[0]
    return None


def apply_reimport(session: Session, *, clock: Clock, actor: Person, document: SourceDocument,
                   source: DocumentText, parsed: ParsedDocument, channel: str = "cli",
                   skipped: Collection[str] = ()) -> ImportChanges:
    """Apply a corrected version to `document`'s tasks: add the new items, update the changed ones, cancel
    those no longer in it (each change audited as the task use cases audit it), leave those of the items
    `skipped` as they are, and keep the corrected text as the document's. Raises InvalidInputError naming
    items that still have no owner unit."""
    from tracker.usecases.imports import check_dates, check_owners

    check_owners(parsed.tasks, {u.name: u for u in list_units(session, org_id=actor.org_id)})
    check_dates(parsed.tasks)
    changes = plan_reimport(session, actor=actor, document=document, parsed=parsed, skipped=skipped)
    apply_changes(session, clock=clock, actor=actor, document=document, source=source, parsed=parsed,
                  changes=changes, channel=channel)
    return changes


def apply_changes(session: Session, *, clock: Clock, actor: Person, document: SourceDocument,
                  source: DocumentText, parsed: ParsedDocument, changes: ImportChanges, channel: str = "cli",
                  noted: dict[str, object] | None = None) -> None:
    """Apply a planned correction (`changes`, from plan_reimport or shaped by a reviewer) to `document`'s
    tasks, each change audited as the task use cases audit it, and keep the corrected text as the
    document's; `noted` goes into the document's audit event beside the new text's fingerprint."""
    from tracker.usecases.imports import learn_owner_names

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
    after = {"text_hash": document.text_hash, "title": document.title, "file_name": source.file_name,
             **(noted or {})}
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="source_document",
                 entity_id=document.id or 0, action="reimport", before=before, after=after, channel=channel)


def undo_import(session: Session, *, clock: Clock, actor: Person, document_id: int, reason: str,
                force: bool = False, channel: str = "cli") -> tuple[list[Task], list[Task]]:
    """Cancel every open or reported task that came from the document, with one reason (an empty one
    becomes "Hủy việc nhập văn bản ..."), each through cancel_task and so audited, and mark the document
    undone, so that it no longer counts as imported. When any of its tasks has a reported result (an
    Update) the whole undo is refused with InvalidInputError, unless `force`: then those tasks are kept and
    the rest cancelled. Done tasks are never cancelled. Returns (cancelled, kept), kept being the tasks with
    results and the done tasks. Raises ForbiddenError for someone who may not import, NotFoundError for a
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
                 for t in tasks if t.id not in reported and t.status in _ACTIVE]
    gone = {t.id for t in cancelled}
    document.undone_at = clock.now()
    session.add(document)
    session.flush()
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="source_document",
                 entity_id=document.id or 0, action="undo", before=None,
                 after={"reason": reason, "cancelled": len(cancelled), "kept": len(tasks) - len(cancelled)},
                 channel=channel)
    return cancelled, [t for t in tasks if t.id not in gone]


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


def imported_words(document: SourceDocument) -> str:
    """ "nhập ngày 18/05/2026 (thông báo kết luận số 31/TB-UBND ngày 08/06/2026)": how a document imported
    before is named to the person importing it again."""
    number = f"số {document.number}" if document.number else "chưa có số"
    words = f"{DOCUMENT_KIND_WORDS.get(document.kind, document.kind)} {number}"
    if document.issued_on:
        words += f" ngày {format_day(document.issued_on)}"
    return f"nhập ngày {format_day(document.created_at.date())} ({words})"


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
