"""Which tasks still miss a result (an Update) for a month: what the office chases before the report."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from tracker.access import Action, require
from tracker.errors import ForbiddenError
from tracker.models import Person, Role, Task, Unit, Update
from tracker.reports.selection import in_results_appendix, parse_month


def missing_results_query(org_id: int, month: str, unit_id: int | None = None) -> SelectOfScalar[Task]:
    """The SQL behind `tasks_missing_results`, for callers that already checked who may see what (the
    results-request job). Ordered by the unit's appendix order, then due date (none last), then id."""
    month = parse_month(month)
    reported = sa.exists().where(Update.task_id == Task.id, Update.month == month)
    query = (
        select(Task).join(Unit, col(Unit.id) == Task.owner_unit_id)
        .where(Task.org_id == org_id, in_results_appendix(month), ~reported)
        .order_by(Unit.appendix_order, Unit.id, col(Task.due_on).is_(None), col(Task.due_on), col(Task.id))
    )
    return query.where(Task.owner_unit_id == unit_id) if unit_id is not None else query


def tasks_missing_results(session: Session, *, actor: Person, month: str, unit_id: int | None = None) -> list[Task]:
    """Tasks of the month's Phụ lục 1 (tracker.reports.selection) that have no Update for `month` ("2026-05"
    or "5/2026"), of one unit or the whole ward (a unit head: always its own unit), in appendix order of
    the units, then by due date. Raises ForbiddenError, InvalidInputError (a malformed month)."""
    if actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        if unit_id is not None and unit_id != actor.unit_id:
            raise ForbiddenError(f"{actor.name} chỉ được xem nhiệm vụ của đơn vị mình.")
        unit_id = actor.unit_id
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=unit_id)
    return list(session.exec(missing_results_query(actor.org_id, month, unit_id)))
