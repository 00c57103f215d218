"""The ward's audit trail as office staff and leaders read it: every change, newest first, filtered by what
was changed, what was done, who did it and when, in pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from tracker.access import Action, require
from tracker.clock import WARD_TZ
from tracker.models import AuditEvent, Person

PAGE_SIZE = 50
# What a person reads for each kind of thing the audit records.
ENTITY_WORDS = {
    "task": "nhiệm vụ", "update": "báo cáo kết quả", "extension": "đề nghị gia hạn", "person": "người dùng",
    "invite": "mã mời", "binding": "liên kết chat", "unit": "đơn vị", "source_document": "văn bản",
    "notification": "tin nhắn", "organization": "phường/xã", "job": "việc theo lịch", "database": "cơ sở dữ liệu",
}


@dataclass(frozen=True)
class AuditFilter:
    entity: str = ""
    action: str = ""
    person_id: int | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    events: list[tuple[AuditEvent, str]]  # with the actor's name
    total: int
    page: int
    pages: int


def audit_events(session: Session, *, actor: Person, wanted: AuditFilter, page_size: int = PAGE_SIZE) -> AuditPage:
    """The page `wanted.page` of the ward's audit events matching `wanted` (days in the ward's time, both
    ends included), newest first. Raises ForbiddenError for anyone but the administrator, office staff and
    leaders."""
    require(actor, Action.VIEW_AUDIT, org_id=actor.org_id)
    conditions = [AuditEvent.org_id == actor.org_id]
    if wanted.entity:
        conditions.append(AuditEvent.entity == wanted.entity)
    if wanted.action:
        conditions.append(AuditEvent.action == wanted.action)
    if wanted.person_id is not None:
        conditions.append(AuditEvent.actor_id == wanted.person_id)
    if wanted.since:
        conditions.append(col(AuditEvent.at) >= _start_of(wanted.since))
    if wanted.until:
        conditions.append(col(AuditEvent.at) < _start_of(wanted.until + timedelta(days=1)))
    total = int(session.exec(select(func.count()).select_from(AuditEvent).where(sa.and_(*conditions))).one())
    pages = max(1, -(-total // page_size))
    page = min(max(1, wanted.page), pages)
    query = (select(AuditEvent, Person.name).outerjoin(Person, col(Person.id) == AuditEvent.actor_id)
             .where(sa.and_(*conditions)).order_by(col(AuditEvent.id).desc())
             .offset((page - 1) * page_size).limit(page_size))
    events = [(event, name or "hệ thống") for event, name in session.exec(query)]
    return AuditPage(events=events, total=total, page=page, pages=pages)


def audit_choices(session: Session, *, actor: Person) -> tuple[list[str], list[str]]:
    """The entities and actions found in the ward's audit, for the filter's lists."""
    require(actor, Action.VIEW_AUDIT, org_id=actor.org_id)
    mine = AuditEvent.org_id == actor.org_id
    entities = sorted(session.exec(select(AuditEvent.entity).where(mine).distinct()))
    actions = sorted(session.exec(select(AuditEvent.action).where(mine).distinct()))
    return list(entities), list(actions)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=WARD_TZ)
