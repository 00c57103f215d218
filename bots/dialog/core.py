"""The dialog's entry point: one inbound message in, the replies out, in one database transaction."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bots.dialog import binding, texts
from bots.dialog.choices import typed_choice
from bots.dialog.handlers import default_registry
from bots.dialog.registry import Answer, Registry
from bots.dialog.turn import CHOOSE, ChannelCaps, FetchFile, SayNow, Turn
from bots.messages import Inbound, Reply
from tracker.clock import Clock
from tracker.errors import TrackerError
from tracker.names import nfc
from tracker.usecases.conversations import (
    ConversationState,
    PressedButton,
    claim_event,
    load_conversation,
    redeem_button,
    release_event,
    save_conversation,
    shown_buttons,
)
from tracker.usecases.people import person_for_chat

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\S*)?(?:\s+(.*))?$", re.DOTALL)


class Dialog:
    """The conversations of every chat channel, whatever the platform.

    `handle(inbound)` takes one thing a person did in a chat and returns the replies to send back to that
    chat, in order (possibly none). Contract:
    - Synchronous and blocking (adapters call it with `asyncio.to_thread`); safe to call from many threads
      and processes at once: two messages of one chat are handled one after the other.
    - One transaction per inbound, committed before it returns: the conversation step, the buttons the
      replies carry and every change the use cases make are stored together or not at all. Nothing is
      kept in memory, so a new Dialog (a restart) continues every conversation where it was.
    - Each (channel, event_id) is handled once: the same event again returns [] and changes nothing
      (an empty event_id is never deduplicated).
    - A chat nobody bound gets only how to bind, until it sends a valid invite code.
    - Every tracker error becomes one Vietnamese reply, and the use case's changes are rolled back. Any
      other exception (the database unreachable, a bug) is raised after a rollback: nothing was stored,
      not even the event, so the adapter may deliver the same inbound again and tell the person to try
      later when it keeps failing.
    - Replies are plain text in NFC; buttons carry only a short token (Button.data) into server-side state.
      Channels without buttons show them with `numbered_text` and the dialog reads back the number or
      the words. Messages to other people (a leader asked to decide) go through the outbox.
    - `files` maps a channel to how the bytes of a file sent on it are fetched (Telegram's is
      bots.telegram_inbound.file_fetcher); a file on a channel without one is refused in words.
    - `say_now` maps a channel to how a short message goes out at once, before a turn's replies (Telegram's
      is bots.telegram_inbound.message_sender): a slow reading (OCR, LibreOffice) first says it has begun."""

    def __init__(
        self, engine: Engine, clock: Clock, *, channel_caps: ChannelCaps | None = None,
        registry: Registry | None = None, files: Mapping[str, FetchFile] | None = None,
        say_now: Mapping[str, SayNow] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.caps = channel_caps or ChannelCaps()
        self.registry = registry or default_registry()
        self.files = dict(files or {})
        self.say_now = dict(say_now or {})

    def handle(self, inbound: Inbound) -> list[Reply]:
        """The replies to `inbound`; see the class's contract. Raises only for errors that are not the
        person's (see the contract); closing the session rolls back whatever was not committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                return self._handle(session, inbound)
            except Exception:
                # A turn may have committed part of its work (Turn.outside_transaction), the event's claim
                # with it: give the claim back, so that the adapter's next delivery is handled anew.
                session.rollback()
                if inbound.event_id:
                    with contextlib.suppress(Exception):  # the database itself may be what failed
                        release_event(session, channel=inbound.channel, event_id=inbound.event_id)
                        session.commit()
                raise

    def _handle(self, session: Session, inbound: Inbound) -> list[Reply]:
        if not self._claim(session, inbound):
            return []
        turn: Turn | None = None
        try:
            person = person_for_chat(session, channel=inbound.channel, external_id=inbound.chat_id)
            if person is None:
                replies = binding.stranger(session, self.clock, inbound, self.registry)
            else:
                state = load_conversation(session, clock=self.clock, channel=inbound.channel,
                                          chat_id=inbound.chat_id, person_id=person.id or 0)
                turn = Turn(session=session, clock=self.clock, inbound=inbound, person=person, caps=self.caps,
                            state=state, registry=self.registry, fetch_file=self.files.get(inbound.channel),
                            say_now=self.say_now.get(inbound.channel))
                replies = self._replies(turn)
                turn.finish(replies)
            session.commit()
            return replies
        except TrackerError as error:
            session.rollback()
            return self._refused(session, inbound, error, turn)

    def _claim(self, session: Session, inbound: Inbound) -> bool:
        return not inbound.event_id or claim_event(
            session, clock=self.clock, channel=inbound.channel, event_id=inbound.event_id)

    def _refused(self, session: Session, inbound: Inbound, error: TrackerError, turn: Turn | None) -> list[Reply]:
        # The use case's changes are gone; the event is claimed again in the fresh transaction, and a
        # conversation whose step the error answered ends, since it cannot go on.
        self._claim(session, inbound)
        text = error.message
        if turn is not None and turn.answering_step:
            save_conversation(session, clock=self.clock, channel=inbound.channel, chat_id=inbound.chat_id,
                              person_id=turn.person.id or 0, state=ConversationState())
            text += " Thao tác đã dừng."
        session.commit()
        return [Reply(text)]

    def _expired_note(self, turn: Turn) -> list[Reply]:
        expired = turn.state.expired_step
        if not expired:
            return []
        step = self.registry.steps.get(expired)
        activity = f"«{step.activity}» " if step else ""
        again = f" Gửi /{step.command} để làm lại." if step else ""
        return [Reply(f"Thao tác {activity}đã bị hủy vì quá 30 phút không có trả lời; chưa có gì được lưu.{again}")]

    def _replies(self, turn: Turn) -> list[Reply]:
        note = self._expired_note(turn)
        if note and not turn.inbound.button and not _COMMAND.match(nfc(turn.inbound.text)):
            # A late answer to the forgotten step: the note says all there is to say.
            return note
        return note + route(turn)


def route(turn: Turn) -> list[Reply]:
    """The replies of a bound person's message: a button, a file, a command, a typed choice, an answer to
    the current step, a reply to one of the bot's messages, or else the help line."""
    inbound, registry = turn.inbound, turn.registry
    if inbound.button:
        return press(turn, redeem_button(turn.session, clock=turn.clock, channel=turn.channel,
                                         chat_id=inbound.chat_id, person_id=turn.person.id, token=inbound.button))
    if inbound.file is not None:
        return registry.file_handler(turn) if registry.file_handler else [Reply(texts.NO_FILES)]
    text = nfc(inbound.text)
    if not text:
        return [Reply(texts.ONLY_TEXT)]
    if command := _COMMAND.match(text):
        return run_command(turn, command.group(1).lower(), nfc(command.group(2) or ""))
    # Steps that wait for free text (a result, a reason, a date) show no buttons, so a number typed there
    # is the text itself, never a choice.
    shown = shown_buttons(turn.session, clock=turn.clock, channel=turn.channel, chat_id=inbound.chat_id,
                          tokens=turn.state.choices)
    if (pressed := typed_choice(text, shown)) is not None:
        return press(turn, pressed)
    step = registry.steps.get(turn.state.step)
    if step is not None:
        turn.answering_step = True
        return step.run(turn, Answer(text=text))
    if inbound.reply_to:
        for starter in registry.reply_starters:
            if (replies := starter(turn, text)) is not None:
                return replies
    return [Reply(texts.HELP_LINE)]


def run_command(turn: Turn, name: str, args: str) -> list[Reply]:
    """Run the command `name`; any conversation in progress ends first."""
    command = turn.registry.commands.get(name)
    if command is None:
        return [Reply(f"Không có lệnh /{name}. Gửi /trogiup để xem các lệnh.")]
    turn.interrupted = turn.state.step
    turn.end()
    return command.run(turn, args)


def press(turn: Turn, pressed: PressedButton) -> list[Reply]:
    """What a button does: answer the current step (if it still belongs to it) or run its action."""
    if pressed.action == CHOOSE:
        payload = pressed.payload
        step = turn.registry.steps.get(turn.state.step)
        if step is None or payload.get("step") != step.name or payload.get("nonce") != turn.data.get("nonce"):
            return [Reply(texts.STALE_BUTTON)]
        turn.answering_step = True
        return step.run(turn, Answer(choice=str(payload.get("value", ""))))
    action = turn.registry.actions.get(pressed.action)
    if action is None:
        return [Reply(texts.STALE_BUTTON)]
    return action(turn, pressed.payload)
