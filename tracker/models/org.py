"""The ward and who works in it: Organization, Unit, Person, ChatIdentity, InviteCode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class Organization(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=sa.String(64), unique=True)
    name: str = Field(sa_type=sa.String(200))
    timezone: str = Field(default="Asia/Ho_Chi_Minh", sa_type=sa.String(64))
    # The reminder policy and calendar of the ward file, kept so that jobs need only the database.
    policy: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    admin_key: str | None = Field(default=None, sa_type=sa.String(64))
    created_at: datetime
    # A ward made as the sample on the first start: the last audit event of its setup. Nothing audited
    # after it (and no chat, message or document) means nobody has used it: it may be replaced or removed.
    sample_setup_event: int | None = None


class Unit(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("org_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    key: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    short_name: str = Field(default="", sa_type=sa.String(64))
    aliases: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # Names office staff taught the importer by mapping an unknown owner to this unit ("Phòng VH&TT" →
    # Phòng Văn hóa - Xã hội). Kept apart from `aliases`, which the ward file owns and `tracker init` rewrites.
    learned_aliases: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    appendix_order: int = 0
    # Unit and Person point at each other; this side carries no foreign key so that the
    # tables can be created in one pass on every database. Use cases keep it consistent.
    supervising_leader_id: int | None = Field(default=None, index=True)
    active: bool = True


class Person(SQLModel, table=True):
    # Two people of a ward never share a phone number: it signs in like the key.
    __table_args__ = (sa.UniqueConstraint("org_id", "key"),
                      sa.UniqueConstraint("org_id", "phone", name="uq_person_org_id_phone"))

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    key: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    title: str = Field(default="", sa_type=sa.String(200))
    role: str = Field(sa_type=sa.String(16))
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    preferred_channel: str | None = Field(default=None, sa_type=sa.String(16))
    # In the national form (tracker.phones): "0912345678".
    phone: str | None = Field(default=None, sa_type=sa.String(16))
    active: bool = True
    # For the web console, for those without a chat to receive a sign-in code: an argon2 hash, never the password.
    password_hash: str | None = Field(default=None, sa_type=sa.String(200))


class ChatIdentity(SQLModel, table=True):
    __tablename__ = "chat_identity"
    __table_args__ = (sa.UniqueConstraint("channel", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    channel: str = Field(sa_type=sa.String(16))
    external_id: str = Field(sa_type=sa.String(128))
    active: bool = True
    bound_at: datetime
    # Set when the channel said the chat can never be reached (bot blocked, chat deleted).
    unreachable_at: datetime | None = None
    unreachable_reason: str = Field(default="", sa_type=sa.String(500))


class InviteCode(SQLModel, table=True):
    __tablename__ = "invite_code"

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organization.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    # Only a hash is stored: a leaked database must not let anyone bind a chat.
    code_hash: str = Field(sa_type=sa.String(64), unique=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    used_by_identity_id: int | None = Field(default=None, foreign_key="chat_identity.id")
