"""The web console's sign-in records: WebSession, WebSignInCode, WebSignInAttempt.

Only hashes of the secrets are stored (the session token, the one-time code): a leaked database must not
let anyone sign in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(sa_type=sa.String(64), unique=True)
    # Sent with every form and htmx request; useless without the session cookie, so stored as it is.
    csrf_token: str = Field(sa_type=sa.String(64))
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    address: str = Field(default="", sa_type=sa.String(64))
    user_agent: str = Field(default="", sa_type=sa.String(200))


class WebSignInCode(SQLModel, table=True):
    __tablename__ = "web_sign_in_code"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(sa_type=sa.String(64))
    # The sign-in link sent with the code, as a hash: using either uses both (one row, one used_at).
    link_hash: str | None = Field(default=None, sa_type=sa.String(64), index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    failed_attempts: int = 0


class WebSignInAttempt(SQLModel, table=True):
    """One try at signing in (a code asked for, a code or a password given), for the limits per person and
    per address."""

    __tablename__ = "web_sign_in_attempt"
    __table_args__ = (sa.Index("ix_web_sign_in_attempt_address_at", "address", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(sa_type=sa.String(64))
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    kind: str = Field(sa_type=sa.String(16))  # "ask_code" | "code" | "link" | "password"
    succeeded: bool = False
    at: datetime
