"""The bots' pace shared by every process (tracker/send_pace.py, bots/shared_pace.py): at most the limit in
any second, one chat never two messages too close, a group its share of a minute, a platform's pause
for everyone; and several real sender processes against the loopback fake chat API together stay under
the limit in every 1-second window."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from fake_channel import FakeChatServer
from outbox_helpers import FakeTime
from sender_processes import fill_outbox, finish, go, start_worker, worker_processes

from bots.shared_pace import SharedRateLimiter
from tracker.clock import FixedClock, SystemClock
from tracker.send_pace import (
    IN_FLIGHT_POLL,
    TELEGRAM_PACE,
    Pace,
    finish_send_slot,
    pause_bot,
    paused_until,
    take_send_slot,
)

BOT = "telegram"


def most_in_any_second(times: list[float]) -> int:
    """The most of `times` (seconds) that fall in one window [t, t + 1) for any t."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def send(engine, clock, chat: str, *, pace: Pace = TELEGRAM_PACE, took: float = 0.0) -> float:
    """Take a slot and, when taken, send for `took` seconds; returns the wait asked for (0.0: sent)."""
    answer = take_send_slot(engine, clock, bot=BOT, chat=chat, pace=pace)
    if answer.slot is None:
        return answer.wait
    clock.advance(timedelta(seconds=took))
    finish_send_slot(engine, clock, slot=answer.slot)
    return 0.0


def test_a_bot_sends_at_most_its_limit_in_a_second_and_is_told_how_long_to_wait(engine, clock):
    sent = [send(engine, clock, str(700000000 + n)) for n in range(30)]
    refused = send(engine, clock, "700000099")

    assert sent == [0.0] * 30
    assert refused == pytest.approx(1.0)
    clock.advance(timedelta(seconds=refused))
    assert send(engine, clock, "700000099") == 0.0


def test_sends_still_in_flight_count_until_they_end_and_a_window_after(engine, clock):
    # Why: counted from when they began, slow sends (a new connection) arrived at the platform in the same
    # second as the next ones: 13 in one second against a limit of 10.
    in_flight = [take_send_slot(engine, clock, bot=BOT, chat=str(700000000 + n)).slot for n in range(30)]
    clock.advance(timedelta(seconds=5))

    assert send(engine, clock, "700000099") == pytest.approx(IN_FLIGHT_POLL)
    for slot in in_flight:
        assert slot is not None
        finish_send_slot(engine, clock, slot=slot)
    assert send(engine, clock, "700000099") == pytest.approx(1.0)


def test_one_chat_waits_its_interval_and_another_bot_is_not_held_up(engine, clock):
    assert send(engine, clock, "700000001", took=0.2) == 0.0

    assert send(engine, clock, "700000001") == pytest.approx(1.0)
    assert take_send_slot(engine, clock, bot="zalo", chat="700000001").slot is not None
    clock.advance(timedelta(seconds=1))
    assert send(engine, clock, "700000001") == 0.0


def test_a_group_gets_at_most_its_share_of_a_minute(engine, clock):
    pace = Pace(chat_interval=0.0)
    group = "-1001234567890"
    for _ in range(20):
        assert send(engine, clock, group, pace=pace, took=1.0) == 0.0

    wait = send(engine, clock, group, pace=pace)

    assert wait == pytest.approx(42.0)  # the first of the twenty ended at 1 s and leaves the 61 s window at 62 s
    assert send(engine, clock, "700000001", pace=pace) == 0.0  # a person is not held up


def test_a_pause_the_platform_asked_for_holds_every_sender_until_it_ends(engine, clock):
    pause_bot(engine, clock, bot=BOT, seconds=30)
    pause_bot(engine, clock, bot=BOT, seconds=5)  # a shorter pause later does not shorten it

    assert paused_until(engine, clock, bot=BOT) == clock.now() + timedelta(seconds=30)
    assert send(engine, clock, "700000001") == pytest.approx(30.0)
    clock.advance(timedelta(seconds=30))
    assert paused_until(engine, clock, bot=BOT) is None
    assert send(engine, clock, "700000001") == 0.0


def test_the_shared_limiter_waits_for_room_and_says_how_long_it_waited(engine, clock: FixedClock):
    fake_time = FakeTime(clock)
    limiter = SharedRateLimiter(engine, clock, pace=Pace(per_second=2, chat_interval=0.0), sleep=fake_time.sleep)

    async def three() -> list[float]:
        waits = []
        for _ in range(3):
            waits.append(await limiter.acquire(BOT, "700000001"))
            await limiter.done(BOT, "700000001")
        return waits

    waits = asyncio.run(three())

    assert waits == [0.0, 0.0, pytest.approx(1.0)]
    assert fake_time.waits == [waits[2]]


def test_three_sender_processes_together_never_exceed_the_limit_in_any_second(session, database_url, tmp_path):
    # Why: each process spaced its own sends, so three processes with one token sent up to three times the
    # platform's limit.
    texts = fill_outbox(session, SystemClock(), 90)
    names = ("sender-a", "sender-b", "sender-c")

    with FakeChatServer() as server, worker_processes() as started:
        workers = [start_worker(started, database_url, server, name, tmp_path, "--wait-for-go",
                                "--shared-pace", "10") for name in names]
        go(workers)
        for worker, name in zip(workers, names, strict=True):
            finish(worker, tmp_path, name)
        deliveries = server.deliveries

    assert Counter(d.text for d in deliveries) == Counter(texts)
    assert most_in_any_second([d.at for d in deliveries]) <= 10
