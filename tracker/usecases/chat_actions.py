"""Use cases the chat dialog needs besides the general ones: binding a chat with a lockout on wrong codes,
the tasks a person may act on, an extension date written in words, and who decides an extension."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from tracker.access import Action, may, require
from tracker.clock import WARD_TZ, Clock
from tracker.dates import format_day
from tracker.errors import InvalidInputError, NotFoundError
from tracker.importer.deadlines import parse_deadline
from tracker.jobdays import ward_rules
from tracker.models import ExtensionRequest, Organization, Person, Role, Task, TaskStatus, Unit
from tracker.usecases.common import task_for, ward_today
from tracker.usecases.conversations import bind_failures, clear_bind_failures, record_bind_failure
from tracker.usecases.people import bind_chat
from tracker.usecases.queries import OPEN_STATUSES, list_tasks

MAX_BIND_FAILURES = 5
BIND_WINDOW = timedelta(hours=1)
DATE_EXAMPLES = "30/6/2026, cuối tháng 6, tháng 7, 15 tháng 7"


@dataclass(frozen=True)
class BindOutcome:
    """The person the chat is now bound to, or None with the Vietnamese reason it is not."""

    person: Person | None
    message: str = ""


def bind_with_code(session: Session, *, clock: Clock, channel: str, chat_id: str, code: str) -> BindOutcome:
    """Bind the chat with an invite code (tracker.usecases.people.bind_chat). A wrong, used or expired code
    counts against the chat; after MAX_BIND_FAILURES within BIND_WINDOW the chat may not try again until the
    window ends, whatever it sends. Never raises for a bad code: the failure must be stored, so the caller
    commits either way."""
    failures = bind_failures(session, clock=clock, channel=channel, chat_id=chat_id, window=BIND_WINDOW)
    if failures.count >= MAX_BIND_FAILURES and failures.since is not None:
        return BindOutcome(None, _locked_out(failures.since + BIND_WINDOW))
    try:
        identity = bind_chat(session, clock=clock, channel=channel, external_id=chat_id, code=code)
    except InvalidInputError as exc:
        count = record_bind_failure(session, clock=clock, channel=channel, chat_id=chat_id, window=BIND_WINDOW)
        left = MAX_BIND_FAILURES - count
        hint = f" Còn {left} lần thử trong giờ này." if 0 < left < 3 else ""
        return BindOutcome(None, exc.message + hint)
    clear_bind_failures(session, clock=clock, channel=channel, chat_id=chat_id)
    return BindOutcome(session.get(Person, identity.person_id))


def _locked_out(until: datetime) -> str:
    # The ward is unknown before binding; the design's time zone is every ward's in practice.
    return f"Đã nhập sai mã mời quá {MAX_BIND_FAILURES} lần. Hãy thử lại sau {until.astimezone(WARD_TZ):%H:%M}."


def task_for_action(session: Session, *, actor: Person, task_id: int, action: Action) -> Task:
    """The task, if the actor may do `action` on it now. Raises NotFoundError (also for another ward's)
    or ForbiddenError: a button kept from yesterday gives no right the person has lost since."""
    return task_for(session, actor=actor, task_id=task_id, action=action)


_ACTIONABLE = {
    Action.VIEW: OPEN_STATUSES,
    Action.RECORD_UPDATE: OPEN_STATUSES,
    Action.REPORT_DONE: (TaskStatus.OPEN,),
    Action.REQUEST_EXTENSION: (TaskStatus.OPEN,),
}


def tasks_for_action(session: Session, *, actor: Person, action: Action, overdue_on: date | None = None) -> list[Task]:
    """The open tasks of the actor's own unit on which the actor may do `action` (VIEW, RECORD_UPDATE,
    REPORT_DONE, REQUEST_EXTENSION), unfinished and past due on `overdue_on` when given, in list_tasks'
    order. Raises ForbiddenError when the actor may not do `action` on the unit's tasks at all (a member
    asked to report a task done) or has no unit."""
    if actor.unit_id is None:
        raise InvalidInputError(f"{actor.name} không thuộc đơn vị nào nên không có danh sách nhiệm vụ của đơn vị.")
    require(actor, action, org_id=actor.org_id, unit_id=actor.unit_id)
    tasks = list_tasks(session, actor=actor, unit_id=actor.unit_id, statuses=_ACTIONABLE[action],
                       overdue_on=overdue_on)
    return [t for t in tasks if may(actor, action, org_id=t.org_id, unit_id=t.owner_unit_id)]


def read_extension_date(session: Session, *, clock: Clock, actor: Person, task_id: int, text: str) -> date:
    """The day an extension is asked for, from words ("cuối tháng 6", "30/6/2026", "trong 10 ngày làm việc")
    read with the importer's deadline grammar and the ward's working days. Raises InvalidInputError, with
    examples, for words naming no single day (an impossible date, a recurring rule, nothing understood)
    and for a day not later than both today and the task's due date; NotFoundError, ForbiddenError."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.REQUEST_EXTENSION)
    org = session.get(Organization, actor.org_id)
    today = ward_today(session, clock, actor.org_id)
    calendar = ward_rules(org).calendar if org else None
    deadline = parse_deadline(text, on=today, base=today, calendar=calendar)
    if deadline.due is None:
        reason = next((r for r in deadline.review if "không có thật" in r), "")
        head = reason or f"Không hiểu ngày «{deadline.text[:60]}»."
        raise InvalidInputError(f"{head} Hãy viết một ngày, ví dụ: {DATE_EXAMPLES}.")
    if deadline.due <= today:
        raise InvalidInputError(f"Ngày gia hạn ({format_day(deadline.due)}) phải sau hôm nay. "
                                f"Ví dụ: {DATE_EXAMPLES}.")
    if task.due_on is not None and deadline.due <= task.due_on:
        raise InvalidInputError(f"Ngày gia hạn ({format_day(deadline.due)}) phải sau hạn hiện tại "
                                f"({format_day(task.due_on)}).")
    return deadline.due


def extension_deciders(session: Session, *, actor: Person, request_id: int) -> list[Person]:
    """Who is asked to decide an extension request the actor may see: the task's supervising leader, else
    its unit's, else every active leader of the ward. Raises NotFoundError, ForbiddenError."""
    request = session.get(ExtensionRequest, request_id)
    if request is None or request.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy đề nghị gia hạn số {request_id}.")
    task = task_for(session, actor=actor, task_id=request.task_id, action=Action.VIEW)
    unit = session.get(Unit, task.owner_unit_id)
    for leader_id in (task.supervising_leader_id, unit.supervising_leader_id if unit else None):
        leader = session.get(Person, leader_id) if leader_id else None
        if leader and leader.active and leader.role == Role.LEADER and leader.org_id == actor.org_id:
            return [leader]
    query = select(Person).where(Person.org_id == actor.org_id, Person.role == Role.LEADER, Person.active)
    return list(session.exec(query.order_by(col(Person.id))))


def extension_request_for(session: Session, *, actor: Person, request_id: int) -> tuple[ExtensionRequest, Task]:
    """An extension request and its task, if the actor may see the task. Raises NotFoundError, ForbiddenError."""
    request = session.get(ExtensionRequest, request_id)
    if request is None or request.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy đề nghị gia hạn số {request_id}.")
    return request, task_for(session, actor=actor, task_id=request.task_id, action=Action.VIEW)
