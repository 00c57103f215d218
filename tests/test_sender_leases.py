"""The senders' liveness (tracker/sender_leases.py, used by jobs/sender.py): the rows a sender held go
back to the outbox once its lease runs out, whatever the claims' own lease says, and only once; a sender
that renews in time, or that never took a lease, keeps its rows; a sender that starts gives back at once
the rows of the senders found gone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from fake_channel import FakeChatServer
from outbox_helpers import enqueue, make_sender, row, ward_with_chats
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker import outbox
from tracker.clock import FixedClock
from tracker.leases import holders
from tracker.models import NotificationStatus
from tracker.sender_leases import TTL, give_up, keep_alive, release_gone

CLAIM_LEASE = timedelta(minutes=5)
GENEROUS = 60.0  # seconds, for a busy machine


def claimed_rows(engine: Engine, clock: FixedClock, claims: dict[str, int]) -> dict[str, list[int]]:
    """The example ward with `claims[sender]` new outbox rows claimed by each sender (with a long claim
    lease); the rows' ids by sender."""
    with Session(engine) as session:
        org = ward_with_chats(session, clock)
        ids = {name: [enqueue(session, clock, org, "tp-vhxh", f"Tin {n} của {name}") for n in range(count)]
               for name, count in claims.items()}
        for name, count in claims.items():
            for _ in range(count):
                assert outbox.claim_next(session, clock=clock, sender=name, lease=CLAIM_LEASE) is not None
    return ids


def statuses(engine: Engine, ids: list[int]) -> set[str]:
    with Session(engine) as session:
        return {row(session, i).status for i in ids}


def test_the_rows_of_a_sender_whose_lease_ran_out_go_back_to_the_outbox_once(engine, clock: FixedClock):
    keep_alive(engine, clock, sender="a")
    keep_alive(engine, clock, sender="b")
    ids = claimed_rows(engine, clock, {"a": 2, "b": 1})
    clock.advance(TTL / 2)
    keep_alive(engine, clock, sender="b")
    assert release_gone(engine, clock) == []
    clock.advance(TTL / 2)

    assert release_gone(engine, clock) == ["a"]
    assert statuses(engine, ids["a"]) == {NotificationStatus.PENDING}
    assert statuses(engine, ids["b"]) == {NotificationStatus.SENDING}
    assert release_gone(engine, clock) == []  # forgotten: a second survivor finds nothing to give back
    assert [(h.name, h.role) for h in holders(engine, clock)] == [("b", "send")]


def test_a_sender_that_never_took_a_lease_keeps_its_rows_until_their_own_lease_runs_out(engine, clock: FixedClock):
    ids = claimed_rows(engine, clock, {"once": 1})
    clock.advance(TTL * 3)
    assert release_gone(engine, clock) == []
    assert statuses(engine, ids["once"]) == {NotificationStatus.SENDING}


def test_a_sender_that_stops_politely_is_forgotten_without_waiting(engine, clock: FixedClock):
    keep_alive(engine, clock, sender="a")
    give_up(engine, clock, sender="a")
    assert holders(engine, clock) == []
    assert release_gone(engine, clock) == ["a"]


def test_a_starting_sender_sends_at_once_what_a_gone_sender_held(engine, clock: FixedClock, tmp_path: Path):
    # Why: a service killed with SIGKILL left its message in flight claimed for the claim's whole lease
    # (for ever, under a service run "as of" a frozen instant), and the process taking over never sent it.
    keep_alive(engine, clock, sender="killed")
    ids = claimed_rows(engine, clock, {"killed": 1})
    clock.advance(TTL)

    async def scenario(server: FakeChatServer) -> None:
        sender = make_sender(engine, clock, server, tmp_path / "outbox.log", name="successor", liveness=clock)
        stop = asyncio.Event()
        running = asyncio.create_task(sender.run(stop, idle_wait=0.05))
        deadline = asyncio.get_running_loop().time() + GENEROUS
        while statuses(engine, ids["killed"]) != {NotificationStatus.SENT}:
            assert asyncio.get_running_loop().time() < deadline, "the gone sender's row was never sent"
            await asyncio.sleep(0.05)
        stop.set()
        await running

    with FakeChatServer() as server:
        asyncio.run(scenario(server))
        assert server.texts() == ["Tin 0 của killed"]
    assert holders(engine, clock) == []  # the successor gave its own lease back when it stopped
