"""The system's own records: AuditEvent, Notification (the outbox), JobRun."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.enums import NotificationStatus


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    entity: str = Field(sa_type=sa.String(32))
    entity_id: int = Field(index=True)
    action: str = Field(sa_type=sa.String(32))
    actor_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(sa_type=sa.String(16))
    at: datetime
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    reason: str = Field(default="", sa_type=sa.Text)
    # Who ran the command at the server (the shell account), beside `actor`, whom the command acted as.
    operator: str = Field(default="", sa_type=sa.String(64), sa_column_kwargs={"server_default": ""})


class Notification(SQLModel, table=True):
    # The sender's one hot query: the next pending row that is due.
    __table_args__ = (sa.Index("ix_notification_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    # What, to whom, for which day: a second run of a job collides here and creates nothing.
    dedupe_key: str = Field(sa_type=sa.String(200), unique=True)
    kind: str = Field(sa_type=sa.String(32))
    day: date | None = None
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(sa_type=sa.String(16))
    body: str = Field(sa_type=sa.Text)
    # Rows of buttons ([[{"label": ..., "data": token}]]) the channel shows under the text, where it can;
    # the tokens point at server-side state (tracker.usecases.conversations), never at a task directly.
    buttons: list[list[dict[str, str]]] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(default=NotificationStatus.PENDING.value, sa_type=sa.String(16))
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_until: datetime | None = None
    # Which sender holds the lease, so that one stopping politely gives back only its own claims.
    claimed_by: str = Field(default="", sa_type=sa.String(64))
    last_error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime
    sent_at: datetime | None = None


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "org_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    job: str = Field(sa_type=sa.String(64))
    day: date
    status: str = Field(sa_type=sa.String(16))
    started_at: datetime
    finished_at: datetime | None = None
    detail: str = Field(default="", sa_type=sa.Text)
