"""Which tasks still miss a result (an Update) for a month: what the office chases before the report."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.access import Action, require
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.models import Person, Role, Task, TaskStatus, Unit, Update

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month written "YYYY-MM". Raises InvalidInputError otherwise."""
    if not _MONTH.match(month):
        raise InvalidInputError(f"Tháng «{month}» không đúng dạng năm-tháng, ví dụ 2026-05.")
    first = date(int(month[:4]), int(month[5:]), 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def missing_results_query(org_id: int, month: str, unit_id: int | None = None) -> SelectOfScalar[Task]:
    """The SQL behind `tasks_missing_results`, for callers that already checked who may see what (the
    results-request job). Ordered by the unit's appendix order, then due date (none last), then id."""
    first, last = month_bounds(month)
    reported = sa.exists().where(Update.task_id == Task.id, Update.month == month)
    belongs = sa.or_(
        sa.and_(col(Task.status).in_((TaskStatus.OPEN, TaskStatus.REPORTED_DONE)), Task.assigned_on <= last),
        sa.and_(Task.status == TaskStatus.DONE, col(Task.finished_on).between(first, last)),
    )
    query = (
        select(Task).join(Unit, col(Unit.id) == Task.owner_unit_id)
        .where(Task.org_id == org_id, belongs, ~reported)
        .order_by(Unit.appendix_order, Unit.id, col(Task.due_on).is_(None), col(Task.due_on), col(Task.id))
    )
    return query.where(Task.owner_unit_id == unit_id) if unit_id is not None else query


def tasks_missing_results(session: Session, *, actor: Person, month: str, unit_id: int | None = None) -> list[Task]:
    """Tasks of the month's report that have no Update for `month` ("YYYY-MM"), of one unit or the whole ward
    (a unit head: always its own unit). A task belongs to the month when it is open or reported done and was
    assigned by the month's end (active recurring tasks included), or was finished during the month;
    cancelled tasks never do. A later issue (the monthly appendix) refines which tasks belong to a month;
    this stays the small approximation the results request needs. Raises ForbiddenError, InvalidInputError."""
    if actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        if unit_id is not None and unit_id != actor.unit_id:
            raise ForbiddenError(f"{actor.name} chỉ được xem nhiệm vụ của đơn vị mình.")
        unit_id = actor.unit_id
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=unit_id)
    return list(session.exec(missing_results_query(actor.org_id, month, unit_id)))
