"""One inbound message being handled: the session, the person, the conversation state, and the buttons
the replies carry. Handlers read and change the state here; the core saves it when they are done."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlmodel import Session

from bots.dialog.registry import Registry
from bots.messages import Button, Inbound, Reply
from tracker.clock import Clock
from tracker.models import Person
from tracker.usecases.common import ward_today
from tracker.usecases.conversations import (
    ButtonSpec,
    ConversationState,
    issue_buttons,
    new_token,
    save_conversation,
)

CHOOSE = "choose"
# fetch(ref, max_bytes) -> the bytes of a file a person sent, blocking; raises bots.channels.ChannelError.
FetchFile = Callable[[str, int], bytes]
# say(chat_id, text): send a short message at once, before the turn's replies (an "I am reading it" before
# a long reading); blocking, never raises.
SayNow = Callable[[str, str], None]


T = TypeVar("T")


@dataclass(frozen=True)
class ChannelCaps:
    """What the adapter's platform can show: inline buttons (else the adapter renders them as numbered
    choices with `bots.dialog.numbered_text`) and files (else a file is described in words)."""

    buttons: bool = True
    files: bool = True


class Turn:
    """The context every handler gets. `person` is the bound person (handlers only run for one)."""

    def __init__(
        self, *, session: Session, clock: Clock, inbound: Inbound, person: Person, caps: ChannelCaps,
        state: ConversationState, registry: Registry, fetch_file: FetchFile | None = None,
        say_now: SayNow | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.inbound = inbound
        self.person = person
        self.caps = caps
        self.state = state
        self.registry = registry
        # How to fetch the bytes of a file sent on this channel; None where the dialog cannot.
        self.fetch_file = fetch_file
        self._say_now = say_now
        # Set when the message answers the current step: if a use case then refuses, the step ends.
        self.answering_step = False
        # The step a command interrupted, if any (/thoat says whether there was something to leave).
        self.interrupted = ""
        self._buttons: list[tuple[str, ButtonSpec]] = []
        self._today: date | None = None

    @property
    def channel(self) -> str:
        """The channel the message came from ("telegram", "zalo"), also recorded by the use cases."""
        return self.inbound.channel

    @property
    def today(self) -> date:
        """The ward's calendar day."""
        if self._today is None:
            self._today = ward_today(self.session, self.clock, self.person.org_id)
        return self._today

    @property
    def data(self) -> dict[str, Any]:
        """The current step's data (JSON values only: it is stored between messages)."""
        return self.state.data

    def begin(self, step: str, **data: Any) -> None:
        """Start a new conversation at `step`; its buttons from before stop answering it."""
        self.state.step = step
        self.state.data = {"nonce": secrets.token_hex(4), **data}

    def goto(self, step: str, **data: Any) -> None:
        """Move the current conversation to `step`, adding `data`."""
        self.state.step = step
        self.state.data.update(data)

    def end(self) -> None:
        """Leave the conversation; nothing waits for an answer any more."""
        self.state.step = ""
        self.state.data = {}

    def button(self, label: str, action: str, **payload: Any) -> Button:
        """A button that runs the registered `action` with `payload` when pressed (by this person, in this
        chat, before it expires)."""
        token = new_token()
        self._buttons.append((token, ButtonSpec(label=label, action=action, payload=payload)))
        return Button(label=label, data=token)

    def choice(self, label: str, value: str, *words: str) -> Button:
        """A button answering the current step with `value`; typing its number, its label or one of
        `words` (folded, without diacritics) answers the same. Call after begin/goto."""
        return self.button(label, CHOOSE, step=self.state.step, nonce=self.state.data.get("nonce", ""),
                           value=value, words=list(words))

    def say_now(self, text: str) -> None:
        """Send `text` to this chat now, ahead of the replies, where the channel can; else nothing. For a
        slow step, so that the person knows the message was received."""
        if self._say_now is not None:
            self._say_now(self.inbound.chat_id, text)

    def outside_transaction(self, work: Callable[[], T]) -> T:
        """Run `work`, slow and with no use of the database (a download, reading a file), after committing
        what the turn did so far: on SQLite the open transaction holds the write lock, and everybody else
        would wait for the download. (Should the turn then fail, Dialog.handle gives the inbound event's
        claim back, so that the same message delivered again is handled anew.)"""
        self.session.commit()
        return work()

    def finish(self, replies: list[Reply]) -> None:
        """Store the buttons the replies carry and the state; the buttons of the last reply that has any
        become the choices a typed number or word presses."""
        if self._buttons:
            issue_buttons(self.session, clock=self.clock, channel=self.channel, chat_id=self.inbound.chat_id,
                          person_id=self.person.id, buttons=self._buttons)
        with_buttons = [r for r in replies if r.buttons]
        self.state.choices = [b.data for row in with_buttons[-1].buttons for b in row] if with_buttons else []
        save_conversation(self.session, clock=self.clock, channel=self.channel, chat_id=self.inbound.chat_id,
                          person_id=self.person.id or 0, state=self.state)
