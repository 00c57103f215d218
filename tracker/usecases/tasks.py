"""Use cases that create tasks and move them through their lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from sqlmodel import Session

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import ConflictError, InvalidInputError
from tracker.models import DeadlineKind, Person, Task, TaskStatus
from tracker.names import nfc
from tracker.reports.selection import Override, parse_month
from tracker.usecases.common import (
    document_in_ward,
    leader_in_ward,
    save_task,
    task_for,
    unit_in_ward,
    ward_today,
)


@dataclass
class TaskDraft:
    """What a new task needs. The deadline kind is derived from the due date when not given."""

    title: str
    owner_unit_id: int
    expected_output: str = ""
    coordinating_unit_ids: list[int] = field(default_factory=list)
    outside_bodies: list[str] = field(default_factory=list)
    supervising_leader_id: int | None = None
    deadline_text: str = ""
    deadline_kind: DeadlineKind | None = None
    due_on: date | None = None
    milestones: list[date] = field(default_factory=list)
    due_is_default: bool = False
    starts_on: date | None = None
    recurrence: str = ""
    assigned_on: date | None = None
    source_document_id: int | None = None
    item_ref: str = ""


@dataclass
class TaskChanges:
    """Fields to change on a task; None leaves a field as it is."""

    title: str | None = None
    expected_output: str | None = None
    owner_unit_id: int | None = None
    coordinating_unit_ids: list[int] | None = None
    outside_bodies: list[str] | None = None
    supervising_leader_id: int | None = None
    deadline_text: str | None = None
    deadline_kind: DeadlineKind | None = None
    due_on: date | None = None
    recurrence: str | None = None


def create_task(
    session: Session, *, clock: Clock, actor: Person, draft: TaskDraft, channel: str = "cli"
) -> Task:
    """Store a new open task of the actor's ward and audit it. Raises ForbiddenError, NotFoundError
    (unit of another ward) or InvalidInputError (empty title)."""
    return create_tasks(session, clock=clock, actor=actor, drafts=[draft], channel=channel)[0]


def create_tasks(
    session: Session, *, clock: Clock, actor: Person, drafts: list[TaskDraft], channel: str = "cli"
) -> list[Task]:
    """Store many new tasks with one flush for the tasks and one for their audit events, as an import
    does; the rules and errors are those of create_task, and nothing is stored if one draft fails."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    tasks = [_new_task(session, clock, actor, draft) for draft in drafts]
    session.add_all(tasks)
    session.flush()
    for task in tasks:
        _audit(session, clock, actor, task, "create", None, channel)
    session.flush()
    return tasks


def _new_task(session: Session, clock: Clock, actor: Person, draft: TaskDraft) -> Task:
    title = nfc(draft.title)
    if not title:
        raise InvalidInputError("Nội dung nhiệm vụ không được để trống.")
    owner = unit_in_ward(session, org_id=actor.org_id, unit_id=draft.owner_unit_id)
    for unit_id in draft.coordinating_unit_ids:
        unit_in_ward(session, org_id=actor.org_id, unit_id=unit_id)
    if draft.supervising_leader_id is not None:
        leader_in_ward(session, org_id=actor.org_id, person_id=draft.supervising_leader_id)
    if draft.source_document_id is not None:
        document_in_ward(session, org_id=actor.org_id, document_id=draft.source_document_id)
    now = clock.now()
    return Task(
        org_id=actor.org_id,
        title=title,
        expected_output=nfc(draft.expected_output),
        owner_unit_id=owner.id,
        coordinating_unit_ids=[u for u in draft.coordinating_unit_ids if u != owner.id],
        outside_bodies=[nfc(b) for b in draft.outside_bodies if nfc(b)],
        supervising_leader_id=draft.supervising_leader_id or owner.supervising_leader_id,
        deadline_text=nfc(draft.deadline_text),
        deadline_kind=draft.deadline_kind or _kind_from_due(draft.due_on),
        due_on=draft.due_on,
        milestones=[d.isoformat() for d in draft.milestones],
        due_is_default=draft.due_is_default,
        starts_on=draft.starts_on,
        recurrence=nfc(draft.recurrence),
        assigned_on=draft.assigned_on or ward_today(session, clock, actor.org_id),
        source_document_id=draft.source_document_id,
        item_ref=draft.item_ref,
        created_at=now,
        updated_at=now,
    )


def _kind_from_due(due_on: date | None) -> DeadlineKind:
    return DeadlineKind.DATE if due_on else DeadlineKind.NONE


def update_task(
    session: Session,
    *,
    clock: Clock,
    actor: Person,
    task_id: int,
    changes: TaskChanges,
    expected_version: int | None = None,
    channel: str = "cli",
) -> Task:
    """Change a task's fields (not its status). A task moved to another unit takes that unit's supervising
    leader, unless the same change names one. Raises NotFoundError, ForbiddenError, ConflictError."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.EDIT, expected_version=expected_version)
    before = audit.snapshot(task)
    if changes.owner_unit_id is not None:
        new_owner = unit_in_ward(session, org_id=task.org_id, unit_id=changes.owner_unit_id)
        if changes.owner_unit_id != task.owner_unit_id and changes.supervising_leader_id is None:
            task.supervising_leader_id = new_owner.supervising_leader_id
    for unit_id in changes.coordinating_unit_ids or []:
        unit_in_ward(session, org_id=task.org_id, unit_id=unit_id)
    if changes.supervising_leader_id is not None:
        leader_in_ward(session, org_id=task.org_id, person_id=changes.supervising_leader_id)
    for f in fields(changes):
        value = getattr(changes, f.name)
        if value is not None:
            setattr(task, f.name, nfc(value) if isinstance(value, str) else value)
    if not task.title:
        raise InvalidInputError("Nội dung nhiệm vụ không được để trống.")
    if changes.due_on is not None:
        task.due_is_default = False
        if changes.deadline_kind is None and task.deadline_kind in (DeadlineKind.NONE, DeadlineKind.RECURRING):
            task.deadline_kind = DeadlineKind.DATE
    return _commit_change(session, clock, actor, task, "update", before, channel)


def report_done(
    session: Session, *, clock: Clock, actor: Person, task_id: int, channel: str = "cli",
    expected_version: int | None = None,
) -> Task:
    """A unit says the task is finished: open → reported done, finished today. Idempotent on a task
    already reported done. Raises ConflictError on a done or cancelled task."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.REPORT_DONE,
                    expected_version=expected_version)
    if task.status == TaskStatus.REPORTED_DONE:
        return task
    _require_status(task, {TaskStatus.OPEN}, "báo hoàn thành")
    # Read everything before changing the task: a query after the change would autoflush it
    # outside save_task, and a concurrent writer's conflict would escape as a raw database error.
    today = ward_today(session, clock, task.org_id)
    before = audit.snapshot(task)
    task.status = TaskStatus.REPORTED_DONE
    task.finished_on = today
    return _commit_change(session, clock, actor, task, "report_done", before, channel)


def confirm_done(
    session: Session, *, clock: Clock, actor: Person, task_id: int, finished_on: date | None = None,
    channel: str = "cli", expected_version: int | None = None,
) -> Task:
    """Office staff or a leader confirm completion: open or reported done → done. The finishing day is
    the one the unit reported, else `finished_on`, else today. Raises ConflictError when not open."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.CONFIRM,
                    expected_version=expected_version)
    _require_status(task, {TaskStatus.OPEN, TaskStatus.REPORTED_DONE}, "xác nhận hoàn thành")
    today = ward_today(session, clock, task.org_id)
    if finished_on is not None and finished_on > today:
        raise InvalidInputError("Ngày hoàn thành không thể sau ngày hôm nay.")
    before = audit.snapshot(task)
    task.finished_on = finished_on or task.finished_on or today
    task.status = TaskStatus.DONE
    return _commit_change(session, clock, actor, task, "confirm_done", before, channel)


def reopen_task(
    session: Session, *, clock: Clock, actor: Person, task_id: int, reason: str, channel: str = "cli",
    expected_version: int | None = None,
) -> Task:
    """done or reported done → open, with a reason; the finishing day is forgotten."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.REOPEN,
                    expected_version=expected_version)
    reason = _required_reason(reason, "mở lại")
    _require_status(task, {TaskStatus.DONE, TaskStatus.REPORTED_DONE}, "mở lại")
    before = audit.snapshot(task)
    task.status = TaskStatus.OPEN
    task.finished_on = None
    task.status_reason = reason
    return _commit_change(session, clock, actor, task, "reopen", before, channel, reason)


def cancel_task(
    session: Session, *, clock: Clock, actor: Person, task_id: int, reason: str, channel: str = "cli",
    expected_version: int | None = None,
) -> Task:
    """Any status but cancelled → cancelled, with a reason. The row is kept."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.CANCEL,
                    expected_version=expected_version)
    reason = _required_reason(reason, "hủy")
    if task.status == TaskStatus.CANCELLED:
        raise ConflictError(f"Nhiệm vụ số {task.id} đã bị hủy từ trước.")
    before = audit.snapshot(task)
    task.status = TaskStatus.CANCELLED
    task.status_reason = reason
    return _commit_change(session, clock, actor, task, "cancel", before, channel, reason)


def set_report_override(
    session: Session, *, clock: Clock, actor: Person, task_id: int, month: str, include: bool, reason: str,
    channel: str = "cli", expected_version: int | None = None,
) -> Task:
    """Add the task to (include=True) or remove it from month `month`'s appendices by hand, whatever the
    month-selection rule says (tracker.reports.selection), with a reason. Setting the same choice again
    only replaces the reason. Raises ForbiddenError (only office staff, leaders and the administrator make
    the report), NotFoundError, InvalidInputError (no reason, malformed month), ConflictError."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.REPORT, expected_version=expected_version)
    key = parse_month(month)
    reason = nfc(reason or "")
    if not reason:
        raise InvalidInputError(f"Cần ghi rõ lý do {'đưa nhiệm vụ vào' if include else 'bỏ nhiệm vụ khỏi'} phụ lục.")
    before = audit.snapshot(task)
    action = Override.INCLUDE if include else Override.EXCLUDE
    # A new dict, not an in-place change: the ORM only sees a JSON column change when it is reassigned.
    task.report_month_overrides = {**task.report_month_overrides, key: {"action": action.value, "reason": reason}}
    return _commit_change(session, clock, actor, task, f"report_{action.value}", before, channel, reason)


_STATUS_WORDS = {
    TaskStatus.OPEN: "đang thực hiện",
    TaskStatus.REPORTED_DONE: "đã được báo hoàn thành",
    TaskStatus.DONE: "đã hoàn thành",
    TaskStatus.CANCELLED: "đã bị hủy",
}


def _require_status(task: Task, allowed: set[TaskStatus], verb: str) -> None:
    if task.status not in allowed:
        raise ConflictError(f"Không thể {verb} nhiệm vụ số {task.id} vì nhiệm vụ {_STATUS_WORDS[task.status]}.")


def _required_reason(reason: str, verb: str) -> str:
    reason = nfc(reason or "")
    if not reason:
        raise InvalidInputError(f"Cần ghi rõ lý do {verb} nhiệm vụ.")
    return reason


def _commit_change(
    session: Session, clock: Clock, actor: Person, task: Task, action: str, before: dict,
    channel: str, reason: str = "",
) -> Task:
    task.updated_at = clock.now()
    save_task(session, task)
    _audit(session, clock, actor, task, action, before, channel, reason)
    return task


def _audit(
    session: Session, clock: Clock, actor: Person, task: Task, action: str, before: dict | None,
    channel: str, reason: str = "",
) -> None:
    assert task.id is not None
    audit.record(
        session, clock=clock, actor=actor, org_id=task.org_id, entity="task", entity_id=task.id,
        action=action, before=before, after=audit.snapshot(task), channel=channel, reason=reason,
    )
