"""Use cases a unit uses to report: results of the month, and requests for more time."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from tracker import audit
from tracker.access import Action, is_chairman, require
from tracker.clock import Clock
from tracker.dates import format_day, month_key
from tracker.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from tracker.models import (
    DeadlineKind,
    ExtensionRequest,
    ExtensionStatus,
    Person,
    Role,
    Task,
    TaskStatus,
    Update,
)
from tracker.names import nfc
from tracker.usecases.chat_actions import extension_deciders
from tracker.usecases.common import save_task, task_for, ward_today
from tracker.usecases.extension_notices import notify_deciders
from tracker.usecases.tasks import report_done

# "Quyết định số 1558/QĐ-UBND ngày 18/5/2026", "Kế hoạch 175/KH-UBND ngày 06/5/2026"
_DOCUMENT_REF = re.compile(
    r"(?:(?:Quyết định|Kế hoạch|Báo cáo|Công văn|Thông báo|Tờ trình|Chỉ thị|Văn bản|Nghị quyết)\s+)"
    r"(?:số\s+)?\d+[\w/.\-]*/[\wĐđ.\-]+(?:\s+ngày\s+\d{1,2}/\d{1,2}/\d{4})?",
    re.IGNORECASE,
)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def document_refs(text: str) -> list[str]:
    """The documents cited in a result text, in order, without repeats."""
    refs: list[str] = []
    for match in _DOCUMENT_REF.finditer(nfc(text)):
        if match.group(0) not in refs:
            refs.append(match.group(0))
    return refs


def record_update(
    session: Session,
    *,
    clock: Clock,
    actor: Person,
    task_id: int,
    result_text: str,
    forecast: str = "",
    recommendation: str = "",
    reports_completion: bool = False,
    month: str | None = None,
    channel: str = "cli",
) -> Update:
    """Store a unit's report on a task for a month (default: this month). When it reports completion
    of an open task, the task also becomes reported done. Raises InvalidInputError for an empty result
    or a malformed month, ConflictError on a cancelled task."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.RECORD_UPDATE)
    if reports_completion:
        # Checked before anything is written, so a refused "finished" leaves no update behind.
        require(actor, Action.REPORT_DONE, org_id=task.org_id, unit_id=task.owner_unit_id)
    text = nfc(result_text)
    if not text:
        raise InvalidInputError("Kết quả thực hiện không được để trống.")
    if month is not None and not _MONTH.match(month):
        raise InvalidInputError(f"Tháng «{month}» không đúng dạng năm-tháng, ví dụ 2026-05.")
    if task.status == TaskStatus.CANCELLED:
        raise ConflictError(f"Nhiệm vụ số {task.id} đã bị hủy, không nhận báo cáo.")
    update = Update(
        org_id=task.org_id, task_id=task_id, person_id=actor.id, channel=channel,
        month=month or month_key(ward_today(session, clock, task.org_id)),
        result_text=text, document_refs=document_refs(text), forecast=nfc(forecast),
        recommendation=nfc(recommendation), reports_completion=reports_completion,
        created_at=clock.now(),
    )
    session.add(update)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, org_id=task.org_id, entity="update", entity_id=update.id or 0,
        action="create", before=None, after=audit.snapshot(update), channel=channel,
    )
    if reports_completion and task.status == TaskStatus.OPEN:
        report_done(session, clock=clock, actor=actor, task_id=task_id, channel=channel)
    return update


def request_extension(
    session: Session, *, clock: Clock, actor: Person, task_id: int, requested_due_on: date, reason: str,
    channel: str = "cli", notify: bool = True,
) -> ExtensionRequest:
    """Ask for a later due date. The reason is required and the date must be later than both today
    and the current due date. With `notify` (the default), the leaders who decide it are sent the request,
    with buttons where their chat has them (extension_notices.notify_deciders), in the same transaction;
    a leader who decides it at once passes False. Raises InvalidInputError, ConflictError (task not open)."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.REQUEST_EXTENSION)
    reason = nfc(reason or "")
    if not reason:
        raise InvalidInputError("Cần ghi rõ lý do xin gia hạn.")
    if task.status != TaskStatus.OPEN:
        raise ConflictError(f"Chỉ xin gia hạn được nhiệm vụ đang thực hiện; nhiệm vụ số {task.id} thì không.")
    if requested_due_on <= ward_today(session, clock, task.org_id):
        raise InvalidInputError("Ngày xin gia hạn phải sau ngày hôm nay.")
    if task.due_on is not None and requested_due_on <= task.due_on:
        raise InvalidInputError(f"Ngày xin gia hạn phải sau hạn hiện tại ({task.due_on:%d/%m/%Y}).")
    request = ExtensionRequest(
        org_id=task.org_id, task_id=task_id, requested_by_id=actor.id, requested_due_on=requested_due_on,
        reason=reason, created_at=clock.now(),
    )
    session.add(request)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, org_id=task.org_id, entity="extension", entity_id=request.id or 0,
        action="request", before=None, after=audit.snapshot(request), channel=channel, reason=reason,
    )
    if notify:
        notify_deciders(session, clock=clock, actor=actor, request=request, task=task)
    return request


def decide_extension(
    session: Session, *, clock: Clock, actor: Person, request_id: int, approve: bool, note: str = "",
    channel: str = "cli",
) -> ExtensionRequest:
    """The leader who decides a pending request (the task's supervising leader, else its unit's, else any
    leader: chat_actions.extension_deciders) or the chairman approves or refuses it. Approval moves the
    task's due date, keeps the first one in original_due_on, and closes as superseded the task's other
    pending requests for no later a date; a request whose date is no longer later than the due date in
    force (a later one was approved meanwhile) cannot be approved. Raises ForbiddenError, NotFoundError,
    ConflictError (already decided, or no longer later than the due date)."""
    request = session.get(ExtensionRequest, request_id)
    if request is None or request.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy đề nghị gia hạn số {request_id}.")
    require(actor, Action.DECIDE_EXTENSION, org_id=request.org_id)
    _require_decider(session, actor, request)
    if approve:
        _require_later_than_due(session, request)
    before = audit.snapshot(request)
    _claim_decision(session, request, actor=actor, approve=approve, note=nfc(note), now=clock.now())
    session.refresh(request)
    if approve:
        _move_due_date(session, clock=clock, actor=actor, request=request, channel=channel)
    audit.record(
        session, clock=clock, actor=actor, org_id=request.org_id, entity="extension", entity_id=request_id,
        action="approve" if approve else "refuse", before=before, after=audit.snapshot(request),
        channel=channel, reason=request.decision_note,
    )
    if approve:
        _supersede_earlier(session, clock=clock, actor=actor, approved=request, channel=channel)
    return request


def _require_decider(session: Session, actor: Person, request: ExtensionRequest) -> None:
    if is_chairman(actor):
        return
    deciders = extension_deciders(session, actor=actor, request_id=request.id or 0)
    if actor.id not in {leader.id for leader in deciders}:
        names = ", ".join(leader.name for leader in deciders) or "lãnh đạo phụ trách"
        raise ForbiddenError(f"{actor.name} không có quyền duyệt gia hạn nhiệm vụ này; người duyệt: {names} "
                             "hoặc Chủ tịch UBND.")


def _require_later_than_due(session: Session, request: ExtensionRequest) -> None:
    task = session.get(Task, request.task_id)
    if task is not None and task.due_on is not None and request.requested_due_on <= task.due_on:
        raise ConflictError(
            f"Đề nghị gia hạn số {request.id} xin đến ngày {format_day(request.requested_due_on)}, không sau hạn "
            f"đang áp dụng ({format_day(task.due_on)}), nên không thể đồng ý; hãy chọn Không đồng ý."
        )


def _supersede_earlier(session: Session, *, clock: Clock, actor: Person, approved: ExtensionRequest,
                       channel: str) -> None:
    """Close the task's other pending requests for a date no later than the one just approved."""
    query = select(ExtensionRequest).where(
        ExtensionRequest.task_id == approved.task_id, ExtensionRequest.status == ExtensionStatus.PENDING,
        ExtensionRequest.requested_due_on <= approved.requested_due_on,
    )
    note = f"Đã gia hạn đến ngày {format_day(approved.requested_due_on)} theo đề nghị số {approved.id}."
    for older in session.exec(query):
        before = audit.snapshot(older)
        older.status, older.decided_by_id = ExtensionStatus.SUPERSEDED, actor.id
        older.decided_at, older.decision_note = clock.now(), note
        session.add(older)
        session.flush()
        audit.record(session, clock=clock, actor=actor, org_id=older.org_id, entity="extension",
                     entity_id=older.id or 0, action="supersede", before=before, after=audit.snapshot(older),
                     channel=channel, reason=note)


def _claim_decision(
    session: Session, request: ExtensionRequest, *, actor: Person, approve: bool, note: str, now: datetime
) -> None:
    # A conditional UPDATE, not a read-then-write: two leaders tapping at once must not both decide.
    decided = session.execute(
        update(ExtensionRequest)
        .where(ExtensionRequest.id == request.id, ExtensionRequest.status == ExtensionStatus.PENDING)
        .values(
            status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
            decided_by_id=actor.id, decided_at=now, decision_note=note,
        )
    )
    if decided.rowcount != 1:
        raise ConflictError(f"Đề nghị gia hạn số {request.id} đã được quyết định trước đó.")


def _move_due_date(
    session: Session, *, clock: Clock, actor: Person, request: ExtensionRequest, channel: str
) -> None:
    task = task_for(session, actor=actor, task_id=request.task_id, action=Action.DECIDE_EXTENSION)
    if task.status not in (TaskStatus.OPEN, TaskStatus.REPORTED_DONE):
        raise ConflictError(f"Nhiệm vụ số {task.id} không còn đang thực hiện, không thể gia hạn.")
    before = audit.snapshot(task)
    task.original_due_on = task.original_due_on or task.due_on
    task.due_on = request.requested_due_on
    task.due_is_default = False
    if task.deadline_kind in (DeadlineKind.NONE, DeadlineKind.RECURRING):
        task.deadline_kind = DeadlineKind.DATE
    task.updated_at = clock.now()
    save_task(session, task)
    audit.record(
        session, clock=clock, actor=actor, org_id=task.org_id, entity="task", entity_id=task.id or 0,
        action="extend", before=before, after=audit.snapshot(task), channel=channel, reason=request.reason,
    )


def list_extension_requests(
    session: Session, *, actor: Person, pending_only: bool = True
) -> list[ExtensionRequest]:
    """Requests the actor may see: a unit head its own unit's, everyone else the whole ward's."""
    query = select(ExtensionRequest).join(Task, Task.id == ExtensionRequest.task_id)
    query = query.where(ExtensionRequest.org_id == actor.org_id)
    if pending_only:
        query = query.where(ExtensionRequest.status == ExtensionStatus.PENDING)
    if actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        query = query.where(Task.owner_unit_id == actor.unit_id)
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=actor.unit_id)
    return list(session.exec(query.order_by(ExtensionRequest.id)))
