"""The outbox: every message the system owes someone, written by jobs and delivered by the sender.

Jobs only add rows; the dedupe key (what, to whom, for which day) makes a second run add nothing.
The sender claims one row at a time with a conditional UPDATE and a lease, and marks it sent only after
the channel accepted it, so a crash can repeat the one message in flight but never lose one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from tracker import audit, chat_notices
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import ConflictError, NotFoundError
from tracker.models import ChatIdentity, Notification, NotificationStatus, Person
from tracker.usecases.common import ward_today

MAX_ATTEMPTS = 8
_CLAIM_ROUNDS = 10


@dataclass(frozen=True)
class Delivery:
    """A claimed row and where it goes: `external_id` is None when the person has no reachable chat,
    and the sender then writes the message to the log channel."""

    notification_id: int
    org_id: int
    person_id: int | None
    channel: str
    external_id: str | None
    body: str
    attempts: int
    kind: str
    # Rows of (label, data) for channels that show buttons; empty for most messages.
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()


# Messages that carry a secret (a web sign-in code): only their recipient's chat may show the text.
SECRET_KINDS = frozenset({"web_sign_in"})
HIDDEN_BODY = "(mã và liên kết đăng nhập, đã ẩn)"


def readable_body(row: Notification) -> str:
    """The text of a message as the outbox shows it to office staff: a secret one is hidden."""
    return HIDDEN_BODY if row.kind in SECRET_KINDS else row.body


def dedupe_key(kind: str, person_id: int, day: date | str) -> str:
    """What, to whom, for which day: the identity of a message across job runs."""
    return f"{kind}:{person_id}:{day}"


def enqueue(
    session: Session, *, clock: Clock, org_id: int, person_id: int, kind: str, day: date, body: str,
    key: str | None = None, buttons: list[list[dict[str, str]]] | None = None,
) -> bool:
    """Add a message unless one with the same dedupe key exists (also when another process adds it at
    the same moment). Returns whether a row was added. The channel is the person's preferred reachable
    chat (`reachable_chat`), else any reachable chat, else "log". `buttons` (rows of {"label", "data"})
    are shown under the text by channels that can."""
    values = {
        "org_id": org_id, "person_id": person_id, "kind": kind, "day": day, "body": body,
        "dedupe_key": key or dedupe_key(kind, person_id, day), "channel": _channel_for(session, person_id),
        "buttons": buttons or [],
        "status": NotificationStatus.PENDING, "attempts": 0, "claimed_by": "", "last_error": "",
        "created_at": clock.now(), "next_attempt_at": clock.now(),
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # RETURNING, not rowcount: with an implicit RETURNING psycopg reports rowcount -1 on PostgreSQL.
    statement = (
        insert(Notification.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.__table__.c.id)
    )
    return session.execute(statement).first() is not None


def _channel_for(session: Session, person_id: int) -> str:
    identity = reachable_chat(session, person_id)
    return identity.channel if identity else "log"


def reachable_chat(session: Session, person_id: int) -> ChatIdentity | None:
    """The chat a message to the person goes to: the preferred channel's binding when it is reachable,
    else the first reachable binding, else None (the log)."""
    return _reachable_identity(session, person_id)


def _reachable_identity(session: Session, person_id: int, channel: str | None = None) -> ChatIdentity | None:
    # One query for the identities and the person's preferred channel: jobs call this once per message.
    query = (
        select(ChatIdentity, Person.preferred_channel).join(Person, col(Person.id) == ChatIdentity.person_id)
        .where(ChatIdentity.person_id == person_id, ChatIdentity.active, col(ChatIdentity.unreachable_at).is_(None))
        .order_by(col(ChatIdentity.id))
    )
    rows = session.exec(query).all()
    if not rows:
        return None
    for wanted in (channel, rows[0][1]):
        for identity, _ in rows:
            if wanted is not None and identity.channel == wanted:
                return identity
    return rows[0][0]


def claim_next(session: Session, *, clock: Clock, sender: str, lease: timedelta) -> Delivery | None:
    """Claim the next due row (pending and due, or sending with an expired lease) for `sender`, and
    commit the claim. Returns None when nothing is due. Two senders never hold the same row."""
    now = clock.now()
    due = sa.or_(
        sa.and_(Notification.status == NotificationStatus.PENDING, col(Notification.next_attempt_at) <= now),
        sa.and_(Notification.status == NotificationStatus.SENDING, col(Notification.claimed_until) < now),
    )
    # Other senders may win every candidate of a round; only a round that finds none means nothing is due.
    for _ in range(_CLAIM_ROUNDS):
        candidates = list(session.exec(select(Notification.id).where(due).order_by(Notification.id).limit(5)))
        if not candidates:
            break
        for candidate in candidates:
            claimed = session.execute(
                sa.update(Notification)
                .where(Notification.id == candidate, due)
                .values(status=NotificationStatus.SENDING, claimed_until=now + lease, claimed_by=sender,
                        attempts=Notification.attempts + 1)
            )
            session.commit()
            if claimed.rowcount == 1:
                return _delivery(session, candidate)
    # Ends the read transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE) until it ends.
    session.commit()
    return None


def _delivery(session: Session, notification_id: int) -> Delivery:
    row = session.get(Notification, notification_id, populate_existing=True)
    assert row is not None and row.id is not None
    # The row's channel while its chat is reachable; when that chat became unreachable after the row was
    # written (or the row waited in the log for a chat bound since), the chat the person is reached on now.
    identity = _reachable_identity(session, row.person_id, row.channel) if row.person_id else None
    return Delivery(
        notification_id=row.id, org_id=row.org_id, person_id=row.person_id,
        channel=identity.channel if identity else "log", external_id=identity.external_id if identity else None,
        body=row.body, attempts=row.attempts, kind=row.kind,
        buttons=tuple(tuple((b["label"], b["data"]) for b in button_row) for button_row in row.buttons or []),
    )


def mark_sent(session: Session, *, clock: Clock, notification_id: int, sender: str) -> None:
    """Record a delivery the channel accepted. A row whose lease passed to another sender meanwhile is
    still marked sent: the message did go out."""
    session.execute(
        sa.update(Notification).where(Notification.id == notification_id)
        .values(status=NotificationStatus.SENT, sent_at=clock.now(), claimed_until=None, last_error="")
    )
    session.commit()


def mark_retry(
    session: Session, *, clock: Clock, notification_id: int, error: str, delay: timedelta, sender: str
) -> bool:
    """Put the row back for a later try after `delay`, or fail it after MAX_ATTEMPTS. Returns whether
    it will be tried again."""
    row = session.get(Notification, notification_id, populate_existing=True)
    if row is None:
        return False
    failing = row.attempts >= MAX_ATTEMPTS
    session.execute(
        sa.update(Notification).where(Notification.id == notification_id, Notification.claimed_by == sender)
        .values(status=NotificationStatus.FAILED if failing else NotificationStatus.PENDING,
                next_attempt_at=clock.now() + delay, claimed_until=None, last_error=error[:2000])
    )
    session.commit()
    return not failing


def postpone(session: Session, *, notification_id: int, until: datetime, sender: str) -> None:
    """Give a claimed row back, untried, to be sent at `until` (its channel is paused by the platform's
    flood control): the claim does not count as an attempt."""
    session.execute(
        sa.update(Notification).where(Notification.id == notification_id, Notification.claimed_by == sender)
        .values(status=NotificationStatus.PENDING, next_attempt_at=until, claimed_until=None,
                attempts=Notification.attempts - 1)
    )
    session.commit()


def mark_failed(session: Session, *, notification_id: int, error: str, sender: str) -> None:
    """A permanent error that is not the chat's fault (the channel refused this very message): fail the
    row now rather than after MAX_ATTEMPTS useless tries. Office staff can send it again with
    `tracker outbox retry`."""
    session.execute(
        sa.update(Notification).where(Notification.id == notification_id, Notification.claimed_by == sender)
        .values(status=NotificationStatus.FAILED, claimed_until=None, last_error=error[:2000])
    )
    session.commit()


def last_id(session: Session, *, org_id: int) -> int:
    """The id of the ward's newest outbox row (0 without one): where `added_since` starts counting."""
    return session.exec(select(sa.func.coalesce(sa.func.max(Notification.id), 0))
                        .where(Notification.org_id == org_id)).one()


def added_since(session: Session, *, org_id: int, after_id: int) -> tuple[tuple[str, str], ...]:
    """The ward's rows added after `after_id` in this transaction, as (recipient's name, text), in order."""
    query = (select(Person.name, Notification.body).join(Person, col(Person.id) == Notification.person_id)
             .where(Notification.org_id == org_id, Notification.id > after_id).order_by(col(Notification.id)))
    return tuple((name, body) for name, body in session.exec(query))


def mark_unreachable(
    session: Session, *, clock: Clock, notification_id: int, channel: str, external_id: str, error: str
) -> None:
    """A permanent channel error: the chat can never be reached. The binding is marked unreachable (and
    audited) and the office is told (`_tell_office`). The row goes back, due now, when the person can still
    be reached on another chat (the next claim sends it there), until MAX_ATTEMPTS; else it fails. The
    person's later messages go to another chat or to the log."""
    identity = session.exec(
        select(ChatIdentity).where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
    ).first()
    if identity is not None and identity.unreachable_at is None:
        _lose(session, clock, identity, error)
    row = session.get(Notification, notification_id, populate_existing=True)
    again = (row is not None and row.person_id is not None and row.attempts < MAX_ATTEMPTS
             and reachable_chat(session, row.person_id) is not None)
    session.execute(
        sa.update(Notification).where(Notification.id == notification_id)
        .values(status=NotificationStatus.PENDING if again else NotificationStatus.FAILED,
                next_attempt_at=clock.now(), claimed_until=None, last_error=error[:2000])
    )
    session.commit()


def _lose(session: Session, clock: Clock, identity: ChatIdentity, error: str) -> None:
    before = audit.snapshot(identity)
    identity.unreachable_at, identity.unreachable_reason = clock.now(), error[:500]
    session.add(identity)
    audit.record(session, clock=clock, actor=None, org_id=identity.org_id, entity="binding",
                 entity_id=identity.id or 0, action="unreachable", before=before,
                 after=audit.snapshot(identity), channel=identity.channel, reason=error[:500])
    session.flush()
    _tell_office(session, clock, identity)


def _tell_office(session: Session, clock: Clock, identity: ChatIdentity) -> None:
    """One notice per office reader (chat_notices.office_readers) that the binding is lost and which
    channel reaches the person now, keyed per binding, reader and ward day: a chat bound again and lost
    again the same day is told once."""
    person = session.get(Person, identity.person_id)
    if person is None:
        return
    now_on = reachable_chat(session, identity.person_id)
    body = chat_notices.unreachable_text(session, person, identity.channel, now_on.channel if now_on else None)
    day = ward_today(session, clock, identity.org_id)
    for reader in chat_notices.office_readers(session, identity.org_id):
        enqueue(session, clock=clock, org_id=identity.org_id, person_id=reader.id or 0, kind=chat_notices.KIND,
                day=day, body=body, key=f"{chat_notices.KIND}:{identity.id}:{reader.id}:{day}")


def move_chat(
    session: Session, *, clock: Clock, notification_id: int, channel: str, external_id: str, new_external_id: str,
    error: str, sender: str,
) -> bool:
    """The chat `external_id` lives on as `new_external_id` (a Telegram group that became a supergroup):
    the binding moves there (audited as "moved") and the row is put back, due now, to be sent there. When
    `new_external_id` is already bound, the old binding is marked unreachable instead (and the office told,
    as by `mark_unreachable`); the row is put back all the same and goes to the person's other chat or to
    the log. After MAX_ATTEMPTS the row fails. Returns whether the binding moved."""
    identity = session.exec(
        select(ChatIdentity).where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
    ).first()
    taken = session.exec(
        select(ChatIdentity.id).where(ChatIdentity.channel == channel, ChatIdentity.external_id == new_external_id)
    ).first() is not None
    moved = identity is not None and not taken
    if identity is not None and moved:
        before = audit.snapshot(identity)
        identity.external_id = new_external_id
        session.add(identity)
        audit.record(session, clock=clock, actor=None, org_id=identity.org_id, entity="binding",
                     entity_id=identity.id or 0, action="moved", before=before,
                     after=audit.snapshot(identity), channel=channel, reason=error[:500])
    elif identity is not None:
        _lose(session, clock, identity, error)
    row = session.get(Notification, notification_id, populate_existing=True)
    failing = row is None or row.attempts >= MAX_ATTEMPTS
    session.execute(
        sa.update(Notification).where(Notification.id == notification_id, Notification.claimed_by == sender)
        .values(status=NotificationStatus.FAILED if failing else NotificationStatus.PENDING,
                next_attempt_at=clock.now(), claimed_until=None, last_error=error[:2000])
    )
    session.commit()
    return moved


def release_claims(session: Session, *, sender: str) -> int:
    """Give back the rows `sender` holds (on a polite shutdown) so another sender takes them at once."""
    released = release_claims_of(session, [sender])
    session.commit()
    return released


def release_claims_of(session: Session, senders: Collection[str]) -> int:
    """Give back the rows any of `senders` holds, in the caller's transaction (not committed): another
    sender takes them at its next claim, untried, as if never claimed. Returns how many."""
    if not senders:
        return 0
    released = session.execute(
        sa.update(Notification)
        .where(Notification.status == NotificationStatus.SENDING, col(Notification.claimed_by).in_(list(senders)))
        .values(status=NotificationStatus.PENDING, claimed_until=None, claimed_by="")
    )
    return released.rowcount


def list_notifications(
    session: Session, *, actor: Person, status: str | None = None, limit: int = 200
) -> list[Notification]:
    """The ward's outbox, newest first; office staff and leaders see all of it."""
    require(actor, Action.MANAGE_OUTBOX, org_id=actor.org_id)
    query = select(Notification).where(Notification.org_id == actor.org_id)
    if status:
        query = query.where(Notification.status == status)
    return list(session.exec(query.order_by(col(Notification.id).desc()).limit(limit)))


def retry_notification(session: Session, *, clock: Clock, actor: Person, notification_id: int,
                       channel: str = "cli") -> Notification:
    """Send a failed message again: back to pending, due now, attempts reset; audited."""
    require(actor, Action.MANAGE_OUTBOX, org_id=actor.org_id)
    row = session.get(Notification, notification_id)
    if row is None or row.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy tin nhắn số {notification_id}.")
    if row.status != NotificationStatus.FAILED:
        raise ConflictError(f"Tin nhắn số {notification_id} không ở trạng thái lỗi nên không cần gửi lại.")
    before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
    row.status, row.attempts, row.next_attempt_at, row.last_error = NotificationStatus.PENDING, 0, clock.now(), ""
    session.add(row)
    session.flush()
    audit.record(session, clock=clock, actor=actor, org_id=row.org_id, entity="notification",
                 entity_id=row.id or 0, action="retry", before=before,
                 after={"status": row.status, "attempts": row.attempts}, channel=channel)
    return row

