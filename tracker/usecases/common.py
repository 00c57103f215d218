"""Helpers shared by the use cases: the ward's day, loading a task for an action, saving safely."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, select

from tracker.access import Action, require_on_task
from tracker.clock import Clock
from tracker.errors import ConflictError, NotFoundError
from tracker.models import Organization, Person, Role, SourceDocument, Task, Unit


def ward_today(session: Session, clock: Clock, org_id: int) -> date:
    """The calendar day in the ward's own time zone."""
    org = session.get(Organization, org_id)
    zone = ZoneInfo(org.timezone if org else "Asia/Ho_Chi_Minh")
    return clock.now().astimezone(zone).date()


def task_for(
    session: Session, *, actor: Person, task_id: int, action: Action, expected_version: int | None = None
) -> Task:
    """The task the actor may act on. Raises NotFoundError, ForbiddenError, or ConflictError when the
    caller saw an older version than the one stored."""
    task = require_on_task(actor, action, session.get(Task, task_id), task_id)
    if expected_version is not None and task.version != expected_version:
        raise ConflictError(
            f"Nhiệm vụ số {task_id} vừa được người khác thay đổi (phiên bản {task.version}, "
            f"bạn đang xem phiên bản {expected_version}). Hãy xem lại rồi thao tác lại."
        )
    return task


def save_task(session: Session, task: Task) -> None:
    """Flush the task; a concurrent writer who got there first turns into a ConflictError."""
    session.add(task)
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise ConflictError(
            f"Nhiệm vụ số {task.id} vừa được người khác thay đổi. Hãy xem lại rồi thao tác lại."
        ) from exc


def unit_in_ward(session: Session, *, org_id: int, unit_id: int) -> Unit:
    """The unit if it belongs to the ward, else NotFoundError."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.org_id != org_id:
        raise NotFoundError(f"Không tìm thấy đơn vị số {unit_id}.")
    return unit


def leader_in_ward(session: Session, *, org_id: int, person_id: int) -> Person:
    """The person if they are an active leader of the ward, else NotFoundError."""
    leader = session.get(Person, person_id)
    if leader is None or leader.org_id != org_id or leader.role != Role.LEADER or not leader.active:
        raise NotFoundError(f"Không tìm thấy lãnh đạo số {person_id} của phường/xã này.")
    return leader


def document_in_ward(session: Session, *, org_id: int, document_id: int) -> SourceDocument:
    """The source document if it belongs to the ward, else NotFoundError."""
    document = session.get(SourceDocument, document_id)
    if document is None or document.org_id != org_id:
        raise NotFoundError(f"Không tìm thấy văn bản số {document_id}.")
    return document


def person_in_ward(session: Session, *, org_id: int, ref: str) -> Person:
    """A person of the ward by key or id. Raises NotFoundError."""
    query = select(Person).where(Person.org_id == org_id)
    query = query.where(Person.id == int(ref)) if ref.isdigit() else query.where(Person.key == ref)
    person = session.exec(query).first()
    if person is None:
        raise NotFoundError(f"Không tìm thấy người dùng «{ref}».")
    return person


def organization(session: Session, ref: str | None) -> Organization:
    """The ward by key; with no key, the only ward there is. Raises NotFoundError otherwise."""
    if ref:
        org = session.exec(select(Organization).where(Organization.key == ref)).first()
        if org is None:
            raise NotFoundError(f"Không có phường/xã nào có khóa «{ref}».")
        return org
    orgs = list(session.exec(select(Organization).limit(2)))
    if not orgs:
        raise NotFoundError("Cơ sở dữ liệu chưa có phường/xã nào: hãy chạy «tracker init --config <tệp>».")
    if len(orgs) > 1:
        raise NotFoundError("Cơ sở dữ liệu có nhiều phường/xã: hãy chọn một bằng --org <khóa>.")
    return orgs[0]
