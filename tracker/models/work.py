"""What is tracked: SourceDocument, Task, Update, ExtensionRequest."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.enums import DeadlineKind, ExtensionStatus, TaskStatus


class SourceDocument(SQLModel, table=True):
    """A notice or table imported once per ward. A corrected version from another file updates this row
    (its text and text_hash) and keeps the first file's hash, so file_hash stays unique per ward: no import
    ever needs two rows for one file, and importing a file again after its document was undone takes that
    row back (tracker.usecases.imports)."""

    __tablename__ = "source_document"
    __table_args__ = (sa.UniqueConstraint("org_id", "file_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    kind: str = Field(sa_type=sa.String(32))
    number: str = Field(default="", sa_type=sa.String(64))
    title: str = Field(default="", sa_type=sa.String(500))
    issued_on: date | None = None
    meeting_on: date | None = None
    file_name: str = Field(default="", sa_type=sa.String(255))
    file_hash: str = Field(sa_type=sa.String(64))
    # The words of the document, whatever its file (tracker.importer.fingerprint): the same notice sent as
    # .docx and then as the signed PDF is one document.
    text_hash: str = Field(default="", sa_type=sa.String(64), index=True)
    text: str = Field(default="", sa_type=sa.Text)
    created_at: datetime
    # Set when the import was undone: its tasks were cancelled and it no longer counts as imported.
    undone_at: datetime | None = None


_TASK_VERSION = sa.Column("version", sa.Integer, nullable=False)


class Task(SQLModel, table=True):
    # "A unit's open tasks" is the query every reminder and every bot list runs.
    __table_args__ = (sa.Index("ix_task_org_unit_status", "org_id", "owner_unit_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    title: str = Field(sa_type=sa.Text)
    expected_output: str = Field(default="", sa_type=sa.Text)
    owner_unit_id: int = Field(foreign_key="unit.id", index=True)
    coordinating_unit_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    outside_bodies: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    supervising_leader_id: int | None = Field(default=None, foreign_key="person.id")
    deadline_text: str = Field(default="", sa_type=sa.String(500))
    deadline_kind: str = Field(default=DeadlineKind.NONE.value, sa_type=sa.String(16))
    due_on: date | None = Field(default=None, index=True)
    original_due_on: date | None = None
    milestones: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    due_is_default: bool = False
    # The first day of the period the deadline names ("Tháng 5, 6" → 1 May), when it names one: the task
    # belongs in no monthly appendix before it. None: the period starts when the task is assigned.
    starts_on: date | None = None
    recurrence: str = Field(default="", sa_type=sa.String(200))
    status: str = Field(default=TaskStatus.OPEN.value, sa_type=sa.String(16), index=True)
    assigned_on: date
    finished_on: date | None = None
    status_reason: str = Field(default="", sa_type=sa.Text)
    # Months ("2026-05") in whose appendix office staff added or removed this task by hand.
    report_month_overrides: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    source_document_id: int | None = Field(default=None, foreign_key="source_document.id", index=True)
    item_ref: str = Field(default="", sa_type=sa.String(32))
    version: int = Field(default=1, sa_column=_TASK_VERSION)
    created_at: datetime
    updated_at: datetime

    # The ORM adds "AND version = :old" to every UPDATE, so a stale writer fails loudly.
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _TASK_VERSION}


class Update(SQLModel, table=True):
    __tablename__ = "task_update"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    channel: str = Field(sa_type=sa.String(16))
    month: str = Field(sa_type=sa.String(7), index=True)
    result_text: str = Field(default="", sa_type=sa.Text)
    document_refs: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    forecast: str = Field(default="", sa_type=sa.String(500))
    recommendation: str = Field(default="", sa_type=sa.Text)
    reports_completion: bool = False
    created_at: datetime


class ExtensionRequest(SQLModel, table=True):
    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    requested_by_id: int | None = Field(default=None, foreign_key="person.id")
    requested_due_on: date
    reason: str = Field(sa_type=sa.Text)
    status: str = Field(default=ExtensionStatus.PENDING.value, sa_type=sa.String(16))
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None
    decision_note: str = Field(default="", sa_type=sa.Text)
    created_at: datetime
