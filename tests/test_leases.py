"""Leases held in the database (tracker/leases.py) and the bots' poll lease on top of them
(bots/poll_lease.py): one holder at a time, renewed by its holder, free for another once it runs out or is
given back; a bot is polled by one holder at a time, and a standby takes over when the poller stops."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import create_engine

from bots.poll_lease import PollLeases, poll_while_held
from tracker.clock import FixedClock, SystemClock
from tracker.leases import claim, holders, release
from tracker.models.leases import Lease

TTL = timedelta(seconds=20)
GENEROUS = 60.0  # seconds, for a busy machine


def test_a_lease_is_held_by_one_holder_until_it_runs_out_then_another_takes_it(engine, clock: FixedClock):
    assert claim(engine, clock, name="telegram:1", role="poll", holder="a", ttl=TTL)
    assert not claim(engine, clock, name="telegram:1", role="poll", holder="b", ttl=TTL)
    clock.advance(timedelta(seconds=15))
    assert claim(engine, clock, name="telegram:1", role="poll", holder="a", ttl=TTL)  # renewed
    clock.advance(timedelta(seconds=15))
    assert not claim(engine, clock, name="telegram:1", role="poll", holder="b", ttl=TTL)
    clock.advance(timedelta(seconds=21))
    assert claim(engine, clock, name="telegram:1", role="poll", holder="b", ttl=TTL)
    assert not claim(engine, clock, name="telegram:1", role="poll", holder="a", ttl=TTL)
    assert [(h.name, h.role, h.holder) for h in holders(engine, clock)] == [("telegram:1", "poll", "b")]


def test_leases_of_other_names_and_roles_are_separate(engine, clock: FixedClock):
    assert claim(engine, clock, name="telegram:1", role="poll", holder="a", ttl=TTL)
    assert claim(engine, clock, name="telegram:2", role="poll", holder="b", ttl=TTL)
    assert claim(engine, clock, name="telegram:1", role="backup", holder="b", ttl=TTL)
    assert {(h.name, h.role, h.holder) for h in holders(engine, clock)} == {
        ("telegram:1", "poll", "a"), ("telegram:2", "poll", "b"), ("telegram:1", "backup", "b")}


def test_a_lease_given_back_is_free_at_once_and_only_its_holder_can_give_it_back(engine, clock: FixedClock):
    assert claim(engine, clock, name="zalo:1", role="poll", holder="a", ttl=TTL)
    release(engine, clock, name="zalo:1", role="poll", holder="b")
    assert not claim(engine, clock, name="zalo:1", role="poll", holder="b", ttl=TTL)
    release(engine, clock, name="zalo:1", role="poll", holder="a")
    assert holders(engine, clock) == []
    assert claim(engine, clock, name="zalo:1", role="poll", holder="b", ttl=TTL)


def test_one_of_two_processes_polls_a_bot_and_the_other_takes_over_when_it_stops(engine):
    async def scenario() -> None:
        polling: list[str] = []
        most_at_once = 0

        def poller(name: str):  # type: ignore[no-untyped-def]
            async def poll() -> None:
                nonlocal most_at_once
                polling.append(name)
                most_at_once = max(most_at_once, len(polling))
                try:
                    await asyncio.Event().wait()
                finally:
                    polling.remove(name)
            return poll

        def leases(holder: str) -> PollLeases:
            return PollLeases(engine, SystemClock(), holder=holder, ttl=TTL, renew_every=0.05, standby_every=0.05)

        first = asyncio.create_task(poll_while_held(leases("a"), "telegram:1", poller("a")))
        await _until(lambda: polling == ["a"])
        second = asyncio.create_task(poll_while_held(leases("b"), "telegram:1", poller("b")))
        await asyncio.sleep(0.5)  # several of the standby's tries: it must keep waiting
        assert polling == ["a"]
        first.cancel()
        await _until(lambda: polling == ["b"])
        assert [h.holder for h in holders(engine, SystemClock())] == ["b"]
        second.cancel()
        await asyncio.gather(first, second, return_exceptions=True)
        assert most_at_once == 1

    asyncio.run(scenario())


async def _until(condition) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(GENEROUS):
        while not condition():
            await asyncio.sleep(0.02)


def test_a_poller_that_can_no_longer_reach_the_database_stops_polling(tmp_path):
    # Why: a holder cut off from the database cannot know that its lease still holds; polling on, it would
    # steal the polls of the standby that took over once the lease ran out. And a stop arriving while the
    # poll was ending used to be swallowed, so that the service never stopped standing by.
    engine = create_engine(f"sqlite:///{tmp_path / 'leases.db'}")
    Lease.__table__.create(engine)  # type: ignore[attr-defined]

    async def scenario() -> None:
        polling = asyncio.Event()
        stopped = asyncio.Event()

        async def poll() -> None:
            polling.set()
            try:
                await asyncio.Event().wait()
            finally:
                stopped.set()

        leases = PollLeases(engine, SystemClock(), holder="a", ttl=TTL, renew_every=0.05, standby_every=0.05)
        task = asyncio.create_task(poll_while_held(leases, "telegram:1", poll))
        async with asyncio.timeout(GENEROUS):
            await polling.wait()
            Lease.__table__.drop(engine)  # type: ignore[attr-defined]
            await stopped.wait()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            assert task.cancelled()

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
