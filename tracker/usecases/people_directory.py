"""The ward's people as the web console's Người dùng page shows them: each with their unit, the chats they
bound on each channel and whether an invite code of theirs is still open.

Who sees it: the administrator (who manages people), the office and the leaders; a unit head or a member
is refused, as for the ward-wide overviews. Changing anything goes through tracker.usecases.people and
tracker.usecases.revocation, which check the administrator's rights themselves."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from tracker.access import Action, may
from tracker.channels import chat_channels
from tracker.clock import Clock
from tracker.errors import ForbiddenError, NotFoundError
from tracker.models import ChatIdentity, InviteCode, Person, Role, Unit


@dataclass(frozen=True)
class PersonEntry:
    """One person of the ward: their unit (None for leaders, the office clerk, the administrator), their
    active chat bindings on chat channels oldest first, and when their newest open invite code expires."""

    person: Person
    unit: Unit | None
    bindings: list[ChatIdentity] = field(default_factory=list)
    invite_expires_at: datetime | None = None

    def bindings_on(self, channel: str) -> list[ChatIdentity]:
        """The person's active chats on `channel`."""
        return [b for b in self.bindings if b.channel == channel]


def ward_directory(session: Session, *, clock: Clock, actor: Person) -> list[PersonEntry]:
    """Everyone of the actor's ward, by role then name, with units, bindings and open invite codes, in three
    queries whatever the ward's size. Raises ForbiddenError for a unit head or a member."""
    _sees_the_ward(actor)
    people = list(session.exec(select(Person).where(Person.org_id == actor.org_id)
                               .order_by(Person.role, Person.name)))
    units = {u.id: u for u in session.exec(select(Unit).where(Unit.org_id == actor.org_id))}
    bindings = _bindings(session, actor.org_id)
    invites = _open_invites(session, actor.org_id, clock.now())
    return [PersonEntry(person=p, unit=units.get(p.unit_id), bindings=bindings.get(p.id or 0, []),
                        invite_expires_at=invites.get(p.id or 0)) for p in people]


def directory_entry(session: Session, *, clock: Clock, actor: Person, person_id: int) -> PersonEntry:
    """One person of the actor's ward as ward_directory gives them. Raises ForbiddenError as ward_directory,
    NotFoundError for a person of another ward."""
    _sees_the_ward(actor)
    person = session.get(Person, person_id)
    if person is None or person.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy người dùng số {person_id}.")
    unit = session.get(Unit, person.unit_id) if person.unit_id is not None else None
    bindings = _bindings(session, actor.org_id, person_id).get(person_id, [])
    invite = _open_invites(session, actor.org_id, clock.now(), person_id).get(person_id)
    return PersonEntry(person=person, unit=unit, bindings=bindings, invite_expires_at=invite)


def may_manage_people(actor: Person) -> bool:
    """Whether the actor may issue and revoke codes, unbind chats and set preferred channels for others
    (what the page offers; the use cases check again)."""
    return may(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)


def _sees_the_ward(actor: Person) -> None:
    if not actor.active or actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        raise ForbiddenError(f"{actor.name} không có quyền xem danh sách người dùng của phường.")


def _bindings(session: Session, org_id: int, person_id: int | None = None) -> dict[int, list[ChatIdentity]]:
    query = select(ChatIdentity).where(ChatIdentity.org_id == org_id, ChatIdentity.active,
                                       col(ChatIdentity.channel).in_(chat_channels()))
    if person_id is not None:
        query = query.where(ChatIdentity.person_id == person_id)
    found: dict[int, list[ChatIdentity]] = defaultdict(list)
    for identity in session.exec(query.order_by(col(ChatIdentity.id))):
        found[identity.person_id].append(identity)
    return found


def _open_invites(session: Session, org_id: int, now: datetime, person_id: int | None = None) -> dict[int, datetime]:
    query = select(InviteCode).where(InviteCode.org_id == org_id, col(InviteCode.used_at).is_(None),
                                     InviteCode.expires_at > now)
    if person_id is not None:
        query = query.where(InviteCode.person_id == person_id)
    newest: dict[int, datetime] = {}
    for invite in session.exec(query):
        expires = invite.expires_at
        newest[invite.person_id] = max(expires, newest.get(invite.person_id, expires))
    return newest
