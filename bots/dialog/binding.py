"""Strangers and invite codes: a chat nobody bound learns only how to bind, and binds with /start CODE
(Telegram's deep link) or the code alone (Zalo, where the person types it)."""

from __future__ import annotations

import contextlib
import re

from sqlalchemy.orm import Session

from bots.dialog import texts
from bots.dialog.registry import Command, Registry
from bots.dialog.turn import Turn
from bots.messages import Inbound, Reply
from tracker.clock import Clock
from tracker.errors import NotFoundError
from tracker.messages import render
from tracker.models import Person, Role
from tracker.names import nfc
from tracker.usecases.chat_actions import bind_with_code
from tracker.usecases.common import unit_in_ward

_START = re.compile(r"^/start(?:@\S*)?(?:\s+(\S+))?\s*$", re.IGNORECASE)
# Codes are 8 characters of an unambiguous alphabet; anything code-shaped is tried (and counted when wrong).
_BARE_CODE = re.compile(r"^[A-Za-z0-9]{8}$")


def invite_code(text: str) -> str | None:
    """The invite code in "/start CODE" or in a message that is only a code; None otherwise."""
    text = nfc(text)
    if match := _START.match(text):
        return match.group(1)
    return text if _BARE_CODE.match(text) else None


def stranger(session: Session, clock: Clock, inbound: Inbound, registry: Registry) -> list[Reply]:
    """The reply to a chat nobody bound: a welcome when it sent a valid invite code, the use case's reason
    when the code is wrong, used or expired (or the chat is locked out), and the way to bind otherwise."""
    code = None if inbound.button or inbound.file else invite_code(inbound.text)
    if code is None:
        return [Reply(texts.BIND_HELP)]
    return _bind(session, clock, inbound, registry, code)


def _bind(session: Session, clock: Clock, inbound: Inbound, registry: Registry, code: str) -> list[Reply]:
    outcome = bind_with_code(session, clock=clock, channel=inbound.channel, chat_id=inbound.chat_id, code=code)
    if outcome.person is None:
        return [Reply(outcome.message)]
    return [welcome(session, outcome.person, registry, inbound.channel, bound_now=True)]


def welcome(session: Session, person: Person, registry: Registry, channel: str, *, bound_now: bool) -> Reply:
    """The greeting: the person by name and title, the unit the bot reminds them of, what they can do."""
    unit_name = ""
    if person.unit_id is not None:
        with contextlib.suppress(NotFoundError):  # a unit moved to another ward: greet without it
            unit_name = unit_in_ward(session, org_id=person.org_id, unit_id=person.unit_id).name
    return Reply(render("chat/welcome", person=person, bound_on=channel if bound_now else "", unit_name=unit_name,
                        commands=registry.commands_for(Role(person.role))))


def start(turn: Turn, args: str) -> list[Reply]:
    """/start from a bound chat: with a code, the chat is bound to that code's person instead; without,
    the greeting again."""
    code = args.split()[0] if args.split() else ""
    if code:
        return _bind(turn.session, turn.clock, turn.inbound, turn.registry, code)
    return [welcome(turn.session, turn.person, turn.registry, turn.channel, bound_now=False)]


def register(registry: Registry) -> None:
    # Not listed by /trogiup (no roles): everyone bound has already used it.
    """Add /start for chats that are bound already."""
    registry.add_command(Command("start", start, "lời chào và các lệnh", frozenset(), "MÃ_MỜI"))
