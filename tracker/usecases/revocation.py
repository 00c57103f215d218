"""Taking access away: invite codes cancelled, chats unbound, and both when a person leaves the ward.

A lost phone, a code sent to the wrong person, someone who moved to another post: the administrator
cancels what was issued and unbinds what was bound. Nothing is deleted; a cancelled code expires now, an
unbound chat is marked inactive, and each step is audited."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker import audit
from tracker.access import Action, require
from tracker.channels import is_channel
from tracker.clock import Clock
from tracker.errors import InvalidInputError, NotFoundError
from tracker.models import ChatIdentity, InviteCode, Person


def revoke_invites(session: Session, *, clock: Clock, actor: Person, person_id: int, channel: str = "cli") -> int:
    """Cancel the person's codes not used and not expired (they expire now), each audited as "revoke".
    Returns how many. Raises ForbiddenError unless the actor manages people, NotFoundError for a person
    of another ward."""
    require(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)
    person = _person(session, actor, person_id)
    return cancel_open_invites(session, clock=clock, actor=actor, person=person, channel=channel)


def cancel_open_invites(session: Session, *, clock: Clock, actor: Person | None, person: Person,
                        channel: str) -> int:
    """Let the person's open codes expire now, each audited as "revoke"; for a use case that already
    checked the actor's rights (a new code replaces the earlier ones). Returns how many. Does not commit."""
    now = clock.now()
    query = select(InviteCode).where(InviteCode.person_id == person.id, col(InviteCode.used_at).is_(None),
                                     InviteCode.expires_at > now)
    codes = list(session.exec(query))
    for code in codes:
        session.execute(update(InviteCode).where(InviteCode.id == code.id).values(expires_at=now))
        audit.record(session, clock=clock, actor=actor, org_id=person.org_id, entity="invite",
                     entity_id=code.id or 0, action="revoke", before={"expires_at": code.expires_at.isoformat()},
                     after={"expires_at": now.isoformat()}, channel=channel)
    return len(codes)


def unbind_chats(session: Session, *, clock: Clock, actor: Person, person_id: int, chat_channel: str | None = None,
                 channel: str = "cli") -> int:
    """Unbind the person's active chats (on `chat_channel` only, when given), each audited as "unbind": the
    bot answers them as strangers from now on and sends them nothing. Returns how many. Raises
    ForbiddenError unless the actor manages people, NotFoundError for a person of another ward,
    InvalidInputError for an unknown channel."""
    require(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)
    person = _person(session, actor, person_id)
    if chat_channel is not None and not is_channel(chat_channel):
        raise InvalidInputError(f"Kênh «{chat_channel}» không được hỗ trợ.")
    return drop_bindings(session, clock=clock, actor=actor, person=person, chat_channel=chat_channel,
                         channel=channel)


def drop_bindings(session: Session, *, clock: Clock, actor: Person | None, person: Person,
                  chat_channel: str | None = None, channel: str = "cli") -> int:
    """Mark the person's active chats inactive (on `chat_channel` only, when given), each audited; for a
    use case that already checked the actor's rights. Returns how many. Does not commit."""
    query = select(ChatIdentity).where(ChatIdentity.person_id == person.id, ChatIdentity.active)
    if chat_channel is not None:
        query = query.where(ChatIdentity.channel == chat_channel)
    identities = list(session.exec(query.order_by(col(ChatIdentity.id))))
    for identity in identities:
        before = audit.snapshot(identity)
        identity.active = False
        session.add(identity)
        session.flush()
        audit.record(session, clock=clock, actor=actor, org_id=person.org_id, entity="binding",
                     entity_id=identity.id or 0, action="unbind", before=before, after=audit.snapshot(identity),
                     channel=channel)
    return len(identities)


def _person(session: Session, actor: Person, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy người dùng số {person_id}.")
    return person
