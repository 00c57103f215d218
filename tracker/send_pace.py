"""How fast all the service's processes together may send through one bot: a sliding window over the
sends of every process, kept in the database.

Why the database rather than a lease per bot for one sending process: in webhook mode every process
answers the chats that reach it, so replies leave from several processes at once; and the outbox sender of
each process sends too. A shared window holds whoever sends. A send counts from when it began
until a window after it ended (or IN_FLIGHT_AT_MOST, when its process died before saying so), since the
platform counts it when it arrives, somewhere in between. Each step is one short transaction that
first locks the bot's BotPace row (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite, whose
transactions begin IMMEDIATE), so that two processes never both see room for the last slot.

Times come from the injected clock: the processes of one deployment share a machine's clock (or NTP-kept
clocks, whose skew of milliseconds is far inside the margin of one message in thirty)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.clock import Clock
from tracker.db import session_scope
from tracker.models.pace import BotPace, SendSlot

# Counted from when a send ended, not began: the platform received it in between, and a slow trip (a new
# connection, a busy machine) must not let it arrive in the same second as later ones.
WINDOW = timedelta(seconds=1)
GROUP_WINDOW = timedelta(seconds=61)
# A send that never said it ended (its process died) stops counting this long after it began.
IN_FLIGHT_AT_MOST = timedelta(seconds=60)
FORGET_AFTER = IN_FLIGHT_AT_MOST + GROUP_WINDOW
IN_FLIGHT_POLL = 0.05  # seconds before asking again when only sends in flight stand in the way
MIN_WAIT = 0.001


@dataclass(frozen=True)
class Pace:
    """The platform's limits for one bot: at most `per_second` messages in any second, one chat never two
    messages closer than `chat_interval` seconds, and a group chat (`is_group`) at most `group_per_minute`
    in any minute. The defaults are Telegram's documented limits."""

    per_second: int = 30
    chat_interval: float = 1.0
    group_per_minute: int = 20


TELEGRAM_PACE = Pace()


def is_group(chat: str) -> bool:
    """Whether `chat` is a group: Telegram numbers groups and channels below zero."""
    return chat.startswith("-")


@dataclass(frozen=True)
class SlotAnswer:
    """`take_send_slot`'s answer: the slot's id when taken (send now, then `finish_send_slot`), else the
    seconds to wait before asking again."""

    slot: int | None
    wait: float = 0.0


def take_send_slot(engine: Engine, clock: Clock, *, bot: str, chat: str, pace: Pace = TELEGRAM_PACE) -> SlotAnswer:
    """Take the slot to send one message to `chat` through `bot` now, if every limit of `pace` and the
    bot's pause leave room for it, counting the sends of every process: those that ended within the window
    and those still in flight (the platform may receive them at any moment). Commits its own transaction."""
    with session_scope(engine) as session:
        now = clock.now()
        wait = _wait(session, _locked(session, bot, now), bot, chat, now, pace)
        if wait > 0:
            return SlotAnswer(None, wait)
        slot = SendSlot(bot=bot, chat=chat, at=now)
        session.add(slot)
        session.execute(sa.delete(SendSlot).where(SendSlot.bot == bot, col(SendSlot.at) < now - FORGET_AFTER))
        session.flush()
        return SlotAnswer(slot.id)


def finish_send_slot(engine: Engine, clock: Clock, *, slot: int) -> None:
    """The send of `slot` ended (delivered or not): it counts until a window after now. Commits."""
    with session_scope(engine) as session:
        session.execute(sa.update(SendSlot).where(SendSlot.id == slot).values(done_at=clock.now()))


def pause_bot(engine: Engine, clock: Clock, *, bot: str, seconds: float) -> None:
    """The platform asked the bot to wait `seconds` (flood control): no process takes a slot of `bot`
    before then. A shorter pause than one already in force changes nothing. Commits."""
    with session_scope(engine) as session:
        now = clock.now()
        row = _locked(session, bot, now)
        until = now + timedelta(seconds=seconds)
        if row.paused_until is None or row.paused_until < until:
            row.paused_until = until
            session.add(row)


def paused_until(engine: Engine, clock: Clock, *, bot: str) -> datetime | None:
    """Until when `bot` is paused for every process; None when it is not."""
    with Session(engine) as session:
        row = session.get(BotPace, bot)
        if row is None or row.paused_until is None or row.paused_until <= clock.now():
            return None
        return row.paused_until


def _locked(session: Session, bot: str, now: datetime) -> BotPace:
    # The UPDATE takes the lock before anything is read; a bot's first send creates its row, and a process
    # that loses that race finds the other's row.
    if session.execute(sa.update(BotPace).where(BotPace.bot == bot).values(touched_at=now)).rowcount == 0:
        try:
            with session.begin_nested():
                session.add(BotPace(bot=bot, touched_at=now))
        except IntegrityError:
            session.execute(sa.update(BotPace).where(BotPace.bot == bot).values(touched_at=now))
    row = session.get(BotPace, bot, populate_existing=True)
    assert row is not None
    return row


def _wait(session: Session, row: BotPace, bot: str, chat: str, now: datetime, pace: Pace) -> float:
    waits = [0.0]
    if row.paused_until is not None and row.paused_until > now:
        waits.append((row.paused_until - now).total_seconds())
    counted = session.exec(select(SendSlot.at, SendSlot.done_at).where(
        SendSlot.bot == bot, col(SendSlot.at) > now - IN_FLIGHT_AT_MOST, _counts(now, WINDOW))).all()
    if len(counted) >= pace.per_second:
        waits.append(_until_room(counted, now, WINDOW, len(counted) - pace.per_second + 1))
    to_chat = session.exec(select(SendSlot.at, SendSlot.done_at).where(
        SendSlot.bot == bot, SendSlot.chat == chat, col(SendSlot.at) > now - IN_FLIGHT_AT_MOST - GROUP_WINDOW)).all()
    interval = timedelta(seconds=pace.chat_interval)
    close = [(at, done) for at, done in to_chat if _counted(at, done, now, interval)]
    if close:
        waits.append(_until_room(close, now, interval, len(close)))
    if is_group(chat):
        in_minute = [(at, done) for at, done in to_chat if _counted(at, done, now, GROUP_WINDOW)]
        if len(in_minute) >= pace.group_per_minute:
            waits.append(_until_room(in_minute, now, GROUP_WINDOW, len(in_minute) - pace.group_per_minute + 1))
    return max(waits)


def _counts(now: datetime, window: timedelta) -> sa.ColumnElement[bool]:
    return sa.or_(col(SendSlot.done_at).is_(None), col(SendSlot.done_at) > now - window)


def _counted(at: datetime, done: datetime | None, now: datetime, window: timedelta) -> bool:
    return (done is None and at > now - IN_FLIGHT_AT_MOST) or (done is not None and done > now - window)


def _until_room(sends: list[tuple[datetime, datetime | None]], now: datetime, window: timedelta, leaving: int) -> float:
    # A send leaves the count a window after it ended; one still in flight will end soon, unknown when:
    # ask again shortly.
    leaves = sorted((done + window - now).total_seconds() if done is not None else IN_FLIGHT_POLL
                    for _, done in sends)
    return max(leaves[leaving - 1], MIN_WAIT)
