"""Leases (tracker/leases.py): which process of the service holds a role that only one may hold at a time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Lease(SQLModel, table=True):
    """`holder` holds `role` for `name` (a bot's poll, the nightly backup) until `expires_at`, unless it
    renews the lease before then; an expired lease is anyone's to take."""

    __tablename__ = "lease"

    name: str = Field(sa_type=sa.String(128), primary_key=True)
    role: str = Field(sa_type=sa.String(16), primary_key=True)
    holder: str = Field(sa_type=sa.String(128))
    acquired_at: datetime
    renewed_at: datetime
    expires_at: datetime
