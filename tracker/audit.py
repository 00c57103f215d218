"""The audit trail: one AuditEvent per change, with the row before and after."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from tracker.clock import Clock
from tracker.models import AuditEvent, Person
from tracker.operator import current_operator


def snapshot(row: SQLModel) -> dict[str, Any]:
    """A JSON-ready copy of a row's columns."""
    return {key: _plain(value) for key, value in row.model_dump().items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def record(
    session: Session,
    *,
    clock: Clock,
    actor: Person | None,
    org_id: int,
    entity: str,
    entity_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    channel: str,
    reason: str = "",
) -> AuditEvent:
    """Add an AuditEvent to the session (committed with the change it describes)."""
    event = AuditEvent(
        org_id=org_id,
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor.id if actor else None,
        channel=channel,
        at=clock.now(),
        before=before,
        after=after,
        reason=reason,
        operator=current_operator(),
    )
    session.add(event)
    return event
