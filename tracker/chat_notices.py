"""What the office is told when a person's chat can no longer be reached, and who in the ward is told."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tracker.messages import render
from tracker.models import Person, Role, Unit

KIND = "chat-unreachable"


def office_readers(session: Session, org_id: int) -> list[Person]:
    """Who hears that a chat became unreachable: the ward's active office staff, or when it has none its
    active administrators; by id."""
    for role in (Role.OFFICE, Role.ADMIN):
        query = select(Person).where(Person.org_id == org_id, Person.active, Person.role == role)
        readers = list(session.exec(query.order_by(col(Person.id))))
        if readers:
            return readers
    return []


def unreachable_text(session: Session, person: Person, lost: str, now_on: str | None) -> str:
    """The notice (template chat-unreachable) that `person`'s chat on channel `lost` cannot be reached any
    more, and that messages now go through channel `now_on`, or (None) that nothing reaches them and they
    need a new invite code."""
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    return render(KIND, person_name=person.name, person_key=person.key, unit_name=unit.name if unit else "",
                  lost=lost, now_on=now_on)
