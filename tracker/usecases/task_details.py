"""Everything about one task that a person may look at: its fields with names instead of ids, its source
document, the units' reports by month, the extension requests and decisions, and its history from the audit
trail (who, when, through what, what changed). The command line's `task show` and the web console's task
page read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.access import Action
from tracker.dates import as_date, format_day
from tracker.enums import DEADLINE_KIND_LABELS, STATUS_LABELS
from tracker.models import AuditEvent, ExtensionRequest, Person, SourceDocument, Task, Unit, Update
from tracker.usecases.common import task_for

# What a history line calls each field of a task, in the order a person reads them.
FIELD_WORDS = {
    "title": "nội dung", "expected_output": "kết quả/sản phẩm", "owner_unit_id": "đơn vị chủ trì",
    "coordinating_unit_ids": "đơn vị phối hợp", "outside_bodies": "cơ quan phối hợp",
    "supervising_leader_id": "lãnh đạo chỉ đạo", "deadline_text": "thời hạn như văn bản",
    "deadline_kind": "loại thời hạn", "due_on": "ngày đến hạn", "original_due_on": "hạn ban đầu",
    "status": "tình trạng", "finished_on": "ngày hoàn thành", "status_reason": "lý do", "recurrence": "lặp lại",
}
# What a history line calls each audited action, by the entity it was recorded on.
ACTION_WORDS = {
    ("task", "create"): "giao nhiệm vụ", ("task", "update"): "sửa", ("task", "report_done"): "báo đã xong",
    ("task", "confirm_done"): "xác nhận hoàn thành", ("task", "reopen"): "mở lại", ("task", "cancel"): "hủy",
    ("task", "extend"): "gia hạn", ("task", "report_include"): "đưa vào phụ lục",
    ("task", "report_exclude"): "bỏ khỏi phụ lục", ("update", "create"): "báo cáo kết quả",
    ("extension", "request"): "xin gia hạn", ("extension", "approve"): "đồng ý gia hạn",
    ("extension", "refuse"): "không đồng ý gia hạn", ("extension", "supersede"): "đề nghị gia hạn cũ hết hiệu lực",
}
CHANNEL_WORDS = {"cli": "dòng lệnh", "web": "trang quản lý", "telegram": "Telegram", "zalo": "Zalo",
                 "job": "lịch tự động", "import": "nhập văn bản"}


@dataclass(frozen=True)
class Change:
    field: str  # Vietnamese
    before: Any
    after: Any


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str
    channel: str  # Vietnamese
    action: str  # Vietnamese
    changes: tuple[Change, ...]
    reason: str


@dataclass(frozen=True)
class TaskDetails:
    task: Task
    owner: Unit | None
    leader: Person | None
    coordinating: tuple[str, ...]
    document: SourceDocument | None
    updates: tuple[tuple[Update, str], ...]  # with the reporter's name
    extension_requests: tuple[tuple[ExtensionRequest, str, str], ...]  # with requester's and decider's names
    history: tuple[HistoryLine, ...]


def task_details(session: Session, *, actor: Person, task_id: int) -> TaskDetails:
    """The task and all around it, if the actor may see it. Raises NotFoundError (also for another ward's
    task) or ForbiddenError (a unit head looking at another unit's)."""
    task = task_for(session, actor=actor, task_id=task_id, action=Action.VIEW)
    names = Names(session)
    updates = session.exec(select(Update).where(Update.task_id == task.id).order_by(col(Update.id)))
    requests = session.exec(select(ExtensionRequest).where(ExtensionRequest.task_id == task.id)
                            .order_by(col(ExtensionRequest.id)))
    updates_named = tuple((u, names.person(u.person_id)) for u in updates)
    requests_named = tuple((r, names.person(r.requested_by_id), names.person(r.decided_by_id)) for r in requests)
    return TaskDetails(
        task=task, owner=session.get(Unit, task.owner_unit_id),
        leader=session.get(Person, task.supervising_leader_id) if task.supervising_leader_id else None,
        coordinating=tuple(names.unit(i) for i in task.coordinating_unit_ids) + tuple(task.outside_bodies),
        document=session.get(SourceDocument, task.source_document_id) if task.source_document_id else None,
        updates=updates_named, extension_requests=requests_named,
        history=_history(session, task, names, updates=[u.id or 0 for u, _ in updates_named],
                     requests=[r.id or 0 for r, _, _ in requests_named]),
    )


class Names:
    """The names of units and people by id, each looked up once (a history names the same few many times)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.cache: dict[tuple[str, int], str] = {}

    def unit(self, unit_id: int | None) -> str:
        return self._name(Unit, unit_id)

    def person(self, person_id: int | None) -> str:
        return self._name(Person, person_id)

    def _name(self, model: type[Unit] | type[Person], row_id: int | None) -> str:
        if row_id is None:
            return ""
        key = (model.__name__, row_id)
        if key not in self.cache:
            row = self.session.get(model, row_id)
            self.cache[key] = row.name if row else f"#{row_id}"
        return self.cache[key]


def _history(session: Session, task: Task, names: Names, *, updates: list[int],
             requests: list[int]) -> tuple[HistoryLine, ...]:
    mine = sa.or_(
        sa.and_(AuditEvent.entity == "task", AuditEvent.entity_id == task.id),
        sa.and_(AuditEvent.entity == "update", col(AuditEvent.entity_id).in_(updates or [0])),
        sa.and_(AuditEvent.entity == "extension", col(AuditEvent.entity_id).in_(requests or [0])),
    )
    events = session.exec(select(AuditEvent).where(AuditEvent.org_id == task.org_id, mine)
                          .order_by(col(AuditEvent.at), col(AuditEvent.id)))
    return tuple(HistoryLine(at=event.at, who=_who(event, names),
                             channel=CHANNEL_WORDS.get(event.channel, event.channel),
                             action=ACTION_WORDS.get((event.entity, event.action), event.action),
                             changes=task_changes(event.before, event.after, names) if event.entity == "task" else (),
                             reason=event.reason)
                 for event in events)


def _who(event: AuditEvent, names: Names) -> str:
    who = names.person(event.actor_id) or "hệ thống"
    return f"{who} ({event.operator})" if event.operator else who


def task_changes(before: dict[str, Any] | None, after: dict[str, Any] | None, names: Names) -> tuple[Change, ...]:
    """The fields of a task an audit event changed, in the order people read them, with names and dates as
    people write them."""
    if not after:
        return ()
    old = before or {}
    changes = []
    for field, words in FIELD_WORDS.items():
        if field in after and after.get(field) != old.get(field):
            changes.append(Change(words, _shown(field, old.get(field), names), _shown(field, after[field], names)))
    return tuple(changes)


def _shown(field: str, value: Any, names: Names) -> Any:
    if value in (None, "", []):
        return ""
    if field in ("due_on", "original_due_on", "finished_on", "assigned_on"):
        return format_day(as_date(value))
    if field == "status":
        return STATUS_LABELS.get(value, value)
    if field == "deadline_kind":
        return DEADLINE_KIND_LABELS.get(value, value)
    if field == "owner_unit_id":
        return names.unit(value)
    if field == "supervising_leader_id":
        return names.person(value)
    if field == "coordinating_unit_ids":
        return ", ".join(names.unit(i) for i in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value
