"""What the office is told when a person's chat can no longer be reached, and who in the ward is told.

The text is written here, not in jobs/templates, because the sender records the unreachable chat through
tracker.outbox, which enqueues this notice in the same transaction, and tracker does not depend on jobs."""

from __future__ import annotations

from sqlmodel import Session, col, select

from tracker.models import Person, Role, Unit
from tracker.usecases.people import CHAT_CHANNELS

KIND = "chat-unreachable"


def channel_label(channel: str) -> str:
    """The name people read for a channel ("Zalo"); an unknown channel keeps its own name."""
    return CHAT_CHANNELS.get(channel, channel)


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
    """The notice that `person`'s chat on channel `lost` cannot be reached any more, and that messages now
    go through channel `now_on`, or (None) that nothing reaches them and they need a new invite code."""
    unit = session.get(Unit, person.unit_id) if person.unit_id else None
    who = f"{person.name} ({unit.name})" if unit else person.name
    head = (f"Không gửi được tin nhắn cho {who} qua {channel_label(lost)}: "
            "người dùng đã chặn bot hoặc xóa cuộc trò chuyện.")
    if now_on is not None:
        return f"{head} Từ nay tin nhắn gửi qua {channel_label(now_on)}."
    return (f"{head} Không còn kênh chat nào liên lạc được; cần cấp mã mời mới "
            f"(tracker people invite {person.key}).")
