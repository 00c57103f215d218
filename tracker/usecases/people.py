"""People, invite codes and chat bindings."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from tracker import audit
from tracker.access import Action, require
from tracker.channels import chat_channels, is_channel
from tracker.chat_address import ChatAddress
from tracker.clock import Clock
from tracker.errors import ConflictError, InvalidInputError, NotFoundError
from tracker.models import ChatIdentity, InviteCode, Organization, Person, Role
from tracker.names import nfc
from tracker.phones import required_phone_number
from tracker.usecases.common import unit_in_ward
from tracker.usecases.revocation import cancel_open_invites

CODE_REFUSED = ("Mã mời không dùng được (mã sai, đã dùng, đã hết hạn hoặc đã bị hủy). Hãy kiểm tra lại hoặc "
                "xin Văn phòng mã mới; mỗi mã chỉ dùng được một lần.")
# No 0/O/1/I/L: codes are read aloud and typed on phones.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8
OTHER_WARDS_BOT = ("Bot này là bot riêng của một phường/xã khác: hãy gửi mã mời cho bot mà Văn phòng phường/xã "
                   "mình đã hướng dẫn.")


def list_people(session: Session, *, actor: Person) -> list[Person]:
    """Everyone of the actor's ward, by role then name."""
    require(actor, Action.VIEW, org_id=actor.org_id, unit_id=actor.unit_id)
    query = select(Person).where(Person.org_id == actor.org_id).order_by(Person.role, Person.name)
    return list(session.exec(query))


def add_person(
    session: Session, *, clock: Clock, actor: Person, key: str, name: str, role: Role, title: str = "",
    unit_id: int | None = None, channel: str = "cli", phone: str = "",
) -> Person:
    """Add a person to the actor's ward, with `phone` (any usual writing; tracker.phones) when given.
    Raises ForbiddenError, InvalidInputError (a wrong phone number among others), ConflictError (key or
    phone number taken)."""
    require(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)
    if not nfc(name):
        raise InvalidInputError("Họ tên không được để trống.")
    if role in (Role.UNIT_HEAD, Role.MEMBER) and unit_id is None:
        raise InvalidInputError("Trưởng đơn vị và cán bộ phải thuộc một đơn vị (--unit).")
    if unit_id is not None:
        unit_in_ward(session, org_id=actor.org_id, unit_id=unit_id)
    taken = session.exec(select(Person).where(Person.org_id == actor.org_id, Person.key == key)).first()
    if taken:
        raise ConflictError(f"Khóa «{key}» đã được dùng cho {taken.name}.")
    number = required_phone_number(phone) if phone.strip() else None
    owner = session.exec(select(Person).where(Person.org_id == actor.org_id, Person.phone == number)).first() \
        if number else None
    if owner:
        raise ConflictError(f"Số điện thoại {number} đã là của {owner.name}.")
    person = Person(org_id=actor.org_id, key=key, name=nfc(name), title=nfc(title), role=role, unit_id=unit_id,
                    phone=number)
    session.add(person)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, org_id=actor.org_id, entity="person", entity_id=person.id or 0,
        action="create", before=None, after=audit.snapshot(person), channel=channel,
    )
    return person


@dataclass(frozen=True)
class Invite:
    """A code just issued, and the @name of the ward's own Telegram bot that should receive it ("" when the
    ward uses the deployment's bot)."""

    code: str
    person: Person
    expires_at: datetime
    ward_bot: str = ""


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def issue_invite(
    session: Session, *, clock: Clock, actor: Person, person_id: int, hours: int | None = None,
    channel: str = "cli",
) -> Invite:
    """A new single-use code that binds one chat to the person; only its hash is stored. The code
    expires after `hours` (default: the ward's policy). The person's earlier codes not yet used stop
    working (revocation.cancel_open_invites): only the newest code binds."""
    require(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)
    person = session.get(Person, person_id)
    if person is None or person.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy người dùng số {person_id}.")
    org = session.get(Organization, actor.org_id)
    assert org is not None
    lifetime = hours or int(org.policy.get("invite_code_hours", 72))
    cancel_open_invites(session, clock=clock, actor=actor, person=person, channel=channel)
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    now = clock.now()
    invite = InviteCode(
        org_id=org.id or 0, person_id=person_id, code_hash=_hash(code), created_at=now,
        expires_at=now + timedelta(hours=lifetime),
    )
    session.add(invite)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, org_id=actor.org_id, entity="invite", entity_id=invite.id or 0,
        action="issue", before=None, after={"person_id": person_id, "expires_at": invite.expires_at.isoformat()},
        channel=channel,
    )
    return Invite(code=code, person=person, expires_at=invite.expires_at,
                  ward_bot=str(org.policy.get("telegram_bot_username", "")))


def bind_chat(session: Session, *, clock: Clock, channel: str, external_id: str, code: str) -> ChatIdentity:
    """Bind a chat to the person the code was issued for, and use the code up. A chat already bound
    elsewhere is moved to the new person; a chat marked unreachable is reachable again. Raises
    InvalidInputError for a code that does not bind, with one sentence whatever the reason (unknown,
    used, expired, revoked, or its person gone), so that a guesser learns nothing."""
    if not is_channel(channel):
        raise InvalidInputError(f"Kênh «{channel}» không được hỗ trợ.")
    invite = session.exec(select(InviteCode).where(InviteCode.code_hash == _hash(code))).first()
    now = clock.now()
    person = session.get(Person, invite.person_id) if invite is not None else None
    if invite is None or invite.used_at is not None or invite.expires_at <= now or not (person and person.active):
        raise InvalidInputError(CODE_REFUSED)
    _refuse_other_wards_bot(session, person, external_id)
    _use_up(session, invite, now)
    identity = session.exec(
        select(ChatIdentity).where(ChatIdentity.channel == channel, ChatIdentity.external_id == external_id)
    ).first()
    before = audit.snapshot(identity) if identity else None
    if identity is None:
        identity = ChatIdentity(
            org_id=person.org_id, person_id=person.id or 0, channel=channel, external_id=external_id, bound_at=now
        )
    else:
        identity.org_id, identity.person_id = person.org_id, person.id or 0
        identity.active, identity.bound_at = True, now
        # Whoever sends a code from this chat can read the bot again (unblocked it): reachable anew.
        identity.unreachable_at, identity.unreachable_reason = None, ""
    session.add(identity)
    session.flush()
    invite.used_by_identity_id = identity.id
    session.add(invite)
    audit.record(
        session, clock=clock, actor=person, org_id=person.org_id, entity="binding", entity_id=identity.id or 0,
        action="bind", before=before, after=audit.snapshot(identity), channel=channel,
    )
    return identity


def _refuse_other_wards_bot(session: Session, person: Person, external_id: str) -> None:
    # A ward's own bot binds its own people only: a person bound through another ward's bot would get their
    # reminders from a bot that speaks for another People's Committee.
    bot_ward = ChatAddress.parse(external_id).ward
    if bot_ward is None:
        return
    org = session.get(Organization, person.org_id)
    if org is None or org.key != bot_ward:
        raise InvalidInputError(OTHER_WARDS_BOT)


def _use_up(session: Session, invite: InviteCode, now: datetime) -> None:
    # A conditional UPDATE, not a read-then-write: two phones sending the same code at once
    # must not both be bound, on PostgreSQL as on SQLite.
    claimed = session.execute(
        update(InviteCode).where(InviteCode.id == invite.id, InviteCode.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:
        raise InvalidInputError(CODE_REFUSED)


def person_for_chat(session: Session, *, channel: str, external_id: str) -> Person | None:
    """The active person bound to a chat, or None for a chat nobody bound."""
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.channel == channel, ChatIdentity.external_id == external_id, ChatIdentity.active
        )
    ).first()
    if identity is None:
        return None
    person = session.get(Person, identity.person_id)
    return person if person and person.active else None


def set_preferred_channel(
    session: Session, *, clock: Clock, actor: Person, person_id: int, channel: str | None, via: str = "cli"
) -> Person:
    """Choose the chat channel (one of tracker.channels.chat_channels(), e.g. "telegram", "zalo"; case and
    spaces ignored) on which the person's scheduled messages go first, or None for no preference (then the
    first chat they bound). The administrator sets it for anyone of the ward, every person for themselves.
    A preference for a channel the person has not bound is kept and applies once they bind it; messages
    fall back to another reachable chat meanwhile (tracker.outbox). Audited as a person "update" with the
    row before and after, `via` the channel the change came through; nothing is recorded when the
    preference does not change. Returns the person. Raises InvalidInputError for another channel,
    NotFoundError for a person of another ward, ForbiddenError for anyone else."""
    wanted = channel.strip().lower() if channel is not None else None
    choices = chat_channels()
    if wanted is not None and wanted not in choices:
        raise InvalidInputError(f"Kênh «{channel}» không được hỗ trợ; chọn {' hoặc '.join(choices.values())}.")
    person = session.get(Person, person_id)
    if person is None or person.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy người dùng số {person_id}.")
    if person.id != actor.id or not actor.active:
        require(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)
    if person.preferred_channel == wanted:
        return person
    before = audit.snapshot(person)
    person.preferred_channel = wanted
    session.add(person)
    session.flush()
    audit.record(
        session, clock=clock, actor=actor, org_id=actor.org_id, entity="person", entity_id=person.id or 0,
        action="update", before=before, after=audit.snapshot(person), channel=via,
    )
    return person


def chat_bindings(session: Session, *, actor: Person) -> list[ChatIdentity]:
    """The actor's own active chat bindings on Telegram and Zalo, oldest first, reachable or not
    (`unreachable_at` tells)."""
    query = select(ChatIdentity).where(
        ChatIdentity.person_id == actor.id, ChatIdentity.active, col(ChatIdentity.channel).in_(chat_channels())
    )
    return list(session.exec(query.order_by(col(ChatIdentity.id))))
