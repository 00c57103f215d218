"""What the chat dialog remembers between two messages: which inbound events it handled, where each chat
stands in a conversation, and what each button means. The dialog (bots.dialog) keeps nothing in memory."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker.clock import Clock
from tracker.errors import ForbiddenError, InvalidInputError, NotFoundError
from tracker.models import ChatButton, ChatEvent, Conversation

STEP_LIFETIME = timedelta(minutes=30)
BUTTON_LIFETIME = timedelta(hours=24)
# Platforms redeliver within minutes; a week of memory is ample and keeps the table small.
EVENT_MEMORY = timedelta(days=7)
TOKEN_BYTES = 9  # 12 URL-safe characters: far below Telegram's 64-byte callback data


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def claim_event(session: Session, *, clock: Clock, channel: str, event_id: str) -> bool:
    """Record that the inbound event (`channel`, `event_id`) is being handled. Returns False when it was
    handled before (or is being handled by another process at this moment, which then wins): the caller
    must then do nothing. The claim is part of the caller's transaction, so a rollback forgets it."""
    statement = (
        _insert(session)(ChatEvent.__table__)
        .values(channel=channel, event_id=event_id[:128], handled_at=clock.now())
        .on_conflict_do_nothing(index_elements=["channel", "event_id"])
        .returning(ChatEvent.__table__.c.id)
    )
    return session.execute(statement).first() is not None


def release_event(session: Session, *, channel: str, event_id: str) -> None:
    """Forget the claim of an inbound event that a committed step did not finish handling, so that the
    same event delivered again is handled anew. Does not commit."""
    session.execute(sa.delete(ChatEvent).where(ChatEvent.channel == channel, ChatEvent.event_id == event_id[:128]))


_LOCKED = "tracker.conversations.locked"


@dataclass
class ConversationState:
    """A chat's place in a conversation. `step` is "" outside one; `data` is the step's JSON data;
    `choices` are the tokens of the buttons last shown, in order; `expired_step` names the step that was
    forgotten when this state was loaded because nobody answered it in time."""

    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    choices: list[str] = field(default_factory=list)
    expired_step: str = ""


def _conversation_row(session: Session, clock: Clock, channel: str, chat_id: str) -> Conversation:
    # Insert-if-missing, then lock the row: two messages of one chat are handled one after the other
    # on PostgreSQL (SQLite serializes every write transaction anyway). The row locked is remembered with
    # the transaction that holds the lock, so saving the state in that transaction costs no second lock.
    transaction = session.get_transaction()
    remembered = session.info.get(_LOCKED)
    if remembered is not None and remembered[0] is transaction and (channel, chat_id) in remembered[1]:
        return remembered[1][(channel, chat_id)]
    session.execute(
        _insert(session)(Conversation.__table__)
        .values(channel=channel, chat_id=chat_id, step="", data={}, choices=[], bind_failures=0,
                updated_at=clock.now())
        .on_conflict_do_nothing(index_elements=["channel", "chat_id"])
    )
    query = select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
    row = session.exec(query.with_for_update().execution_options(populate_existing=True)).one()
    if remembered is None or remembered[0] is not session.get_transaction():
        remembered = session.info[_LOCKED] = (session.get_transaction(), {})
    remembered[1][(channel, chat_id)] = row
    return row


def load_conversation(
    session: Session, *, clock: Clock, channel: str, chat_id: str, person_id: int
) -> ConversationState:
    """The conversation of a bound chat, locked until the transaction ends. A step left unanswered past its
    expiry, or begun by another person the chat was bound to before, is forgotten (`expired_step` says
    which, for an expiry)."""
    row = _conversation_row(session, clock, channel, chat_id)
    if row.person_id != person_id:
        return ConversationState()
    if row.step and row.expires_at is not None and row.expires_at <= clock.now():
        return ConversationState(expired_step=row.step)
    return ConversationState(step=row.step, data=dict(row.data), choices=list(row.choices))


def save_conversation(
    session: Session, *, clock: Clock, channel: str, chat_id: str, person_id: int, state: ConversationState,
    lifetime: timedelta = STEP_LIFETIME,
) -> None:
    """Store `state` for the chat; a step expires `lifetime` from now. Does not commit."""
    row = _conversation_row(session, clock, channel, chat_id)
    row.person_id = person_id
    row.step, row.data, row.choices = state.step, dict(state.data), list(state.choices)
    row.expires_at = clock.now() + lifetime if state.step else None
    row.updated_at = clock.now()
    session.add(row)
    session.flush()


@dataclass(frozen=True)
class ButtonSpec:
    """A button to issue: what it reads, and what pressing it means to the dialog."""

    label: str
    action: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PressedButton:
    """A button as issued: its token, label, action and payload."""
    token: str
    label: str
    action: str
    payload: dict[str, Any]


def new_token() -> str:
    """A fresh random button token (≤ 16 characters, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def issue_buttons(
    session: Session, *, clock: Clock, channel: str, chat_id: str, person_id: int | None,
    buttons: list[tuple[str, ButtonSpec]], lifetime: timedelta = BUTTON_LIFETIME,
) -> None:
    """Store buttons under the tokens the caller drew with `new_token`, for this chat and person only,
    valid for `lifetime`. Does not commit."""
    now = clock.now()
    session.add_all(
        ChatButton(token=token, channel=channel, chat_id=chat_id, person_id=person_id, label=spec.label[:200],
                   action=spec.action, payload=spec.payload, expires_at=now + lifetime, created_at=now)
        for token, spec in buttons
    )
    session.flush()


def redeem_button(
    session: Session, *, clock: Clock, channel: str, chat_id: str, person_id: int | None, token: str
) -> PressedButton:
    """What the button `token` pressed in this chat means. Raises NotFoundError (unknown token),
    ForbiddenError (issued to another chat or person: a forwarded or forged button) or InvalidInputError
    (expired). Pressing does not use the button up; the dialog checks the person's rights afresh."""
    row = session.exec(select(ChatButton).where(ChatButton.token == token[:16])).first()
    if row is None:
        raise NotFoundError("Nút này không còn dùng được. Hãy gửi lại lệnh để có danh sách mới.")
    if row.channel != channel or row.chat_id != chat_id or row.person_id != person_id:
        raise ForbiddenError("Nút này không dành cho đồng chí: mỗi người chỉ dùng được nút bot gửi cho mình.")
    if row.expires_at <= clock.now():
        raise InvalidInputError("Nút này đã hết hạn. Hãy gửi lại lệnh để có danh sách mới.")
    return PressedButton(token=row.token, label=row.label, action=row.action, payload=dict(row.payload))


def shown_buttons(
    session: Session, *, clock: Clock, channel: str, chat_id: str, tokens: list[str]
) -> list[PressedButton]:
    """The chat's unexpired buttons among `tokens`, in the order of `tokens`: what a typed choice may press."""
    if not tokens:
        return []
    rows = session.exec(select(ChatButton).where(
        col(ChatButton.token).in_(tokens), ChatButton.channel == channel, ChatButton.chat_id == chat_id,
        col(ChatButton.expires_at) > clock.now(),
    )).all()
    by_token = {r.token: r for r in rows}
    return [PressedButton(token=t, label=by_token[t].label, action=by_token[t].action,
                          payload=dict(by_token[t].payload)) for t in tokens if t in by_token]


def purge_chat_state(session: Session, *, clock: Clock) -> int:
    """Delete expired buttons and events older than EVENT_MEMORY; returns how many rows went. Meant for a
    daily job. Does not commit."""
    now = clock.now()
    buttons = session.execute(sa.delete(ChatButton).where(col(ChatButton.expires_at) <= now))
    events = session.execute(sa.delete(ChatEvent).where(col(ChatEvent.handled_at) < now - EVENT_MEMORY))
    return int(buttons.rowcount or 0) + int(events.rowcount or 0)


@dataclass(frozen=True)
class BindFailures:
    """Wrong invite codes counted for a chat, since `since`."""
    count: int
    since: datetime | None


def bind_failures(session: Session, *, clock: Clock, channel: str, chat_id: str, window: timedelta) -> BindFailures:
    """The wrong invite codes this chat sent within `window` of the first one (none once it has passed)."""
    row = session.exec(
        select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
    ).first()
    if row is None or row.bind_failures_since is None or row.bind_failures_since + window <= clock.now():
        return BindFailures(0, None)
    return BindFailures(row.bind_failures, row.bind_failures_since)


def record_bind_failure(session: Session, *, clock: Clock, channel: str, chat_id: str, window: timedelta) -> int:
    """Count one more wrong invite code from this chat (a new window starts when the last one passed);
    returns the count. Does not commit."""
    row = _conversation_row(session, clock, channel, chat_id)
    now = clock.now()
    if row.bind_failures_since is None or row.bind_failures_since + window <= now:
        row.bind_failures, row.bind_failures_since = 0, now
    row.bind_failures += 1
    row.updated_at = now
    session.add(row)
    session.flush()
    return row.bind_failures


def clear_bind_failures(session: Session, *, clock: Clock, channel: str, chat_id: str) -> None:
    """Forget the chat's wrong codes (it is bound now). Does not commit."""
    session.execute(
        sa.update(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
        .values(bind_failures=0, bind_failures_since=None, updated_at=clock.now())
    )
