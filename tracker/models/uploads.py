"""The web console's uploads waiting to be saved: PendingUpload (tracker/usecases/pending_uploads.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class PendingUpload(SQLModel, table=True):
    """A document uploaded to the console, read and previewed, waiting to be saved: its text is kept here,
    under the hash of a random token the preview form carries, for the person, the ward and the web session
    (a digest of its CSRF token) that uploaded it, so that any process of the service can save it."""

    __tablename__ = "pending_upload"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_type=sa.String(64), unique=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    session_digest: str = Field(sa_type=sa.String(64))
    document: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(index=True)
