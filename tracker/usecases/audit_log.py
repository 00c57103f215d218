"""The ward's audit trail as office staff and leaders read it: every change, newest first, filtered by what
was changed, what was done, who did it and when, in pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from tracker.access import Action, require
from tracker.clock import WARD_TZ
from tracker.models import AuditEvent, Person
from tracker.usecases.task_details import ACTION_WORDS, CHANNEL_WORDS, Change, Names, task_changes

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


# Columns of other rows that hold a secret or its hash: the log says they changed, never what to.
SECRET_MARKS = ("password", "hash", "code", "secret", "token")
# Columns that change with every write and say nothing to a reader.
NOISE = frozenset({"id", "org_id", "created_at", "updated_at", "version"})
LONGEST_VALUE = 200


@dataclass(frozen=True)
class LogLine:
    event: AuditEvent
    who: str  # the actor's name, "hệ thống" for a job
    channel: str  # Vietnamese
    action: str  # Vietnamese where the task page has words for it, else as recorded
    changes: tuple[Change, ...]  # before → after, readable


@dataclass(frozen=True)
class AuditPage:
    events: list[LogLine]
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
    names = Names(session)
    events = [_line(event, name, names) for event, name in session.exec(query)]
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


def _line(event: AuditEvent, name: str | None, names: Names) -> LogLine:
    changes = (task_changes(event.before, event.after, names) if event.entity == "task"
               else _other_changes(event.before, event.after))
    return LogLine(event=event, who=f"{name or 'hệ thống'}" + (f" ({event.operator})" if event.operator else ""),
                   channel=CHANNEL_WORDS.get(event.channel, event.channel),
                   action=ACTION_WORDS.get((event.entity, event.action), event.action), changes=changes)


def _other_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[Change, ...]:
    """What changed on a row that is not a task, field by field, secrets hidden."""
    old, new = before or {}, after or {}
    changes = []
    for field in new:
        if field in NOISE or new.get(field) == old.get(field):
            continue
        if any(mark in field.lower() for mark in SECRET_MARKS):
            changes.append(Change(field, "", "(đã đổi, không hiện)"))
        else:
            changes.append(Change(field, _plain(old.get(field)), _plain(new.get(field))))
    return tuple(changes)


def _plain(value: Any) -> str:
    if value in (None, "", [], {}):
        return ""
    text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE] + "…"
