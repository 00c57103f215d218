"""Several sender processes on one database (tests/sender_worker.py), against the loopback fake chat API:
each message is delivered once, and a sender killed mid-send loses nothing and repeats only the message
it had in flight. These run on the real clock: leases must expire between processes."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

from fake_channel import HANG, FakeChatServer
from sender_processes import fill_outbox, finish, go, start_worker, worker_processes
from sqlmodel import Session, select

from tracker.clock import SystemClock
from tracker.models import Notification


def statuses(engine) -> Counter[str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return Counter(session.exec(select(Notification.status)))


def test_two_sender_processes_deliver_every_message_exactly_once(engine, session, database_url, tmp_path):
    texts = fill_outbox(session, SystemClock(), 200)

    with FakeChatServer(slowness=0.01) as server, worker_processes() as started:
        workers = [start_worker(started, database_url, server, name, tmp_path, "--wait-for-go")
                   for name in ("sender-a", "sender-b")]
        go(workers)
        for worker, name in zip(workers, ("sender-a", "sender-b"), strict=True):
            finish(worker, tmp_path, name)
        delivered = Counter(server.texts())

    assert delivered == Counter(texts)
    assert statuses(engine) == Counter({"sent": 200})
    with Session(engine) as check:
        senders = Counter(check.exec(select(Notification.claimed_by)))
    assert set(senders) == {"sender-a", "sender-b"}, senders  # both did share the work


def test_a_sender_killed_mid_send_loses_nothing_and_repeats_only_the_message_in_flight(
    engine, session, database_url, tmp_path
):
    texts = fill_outbox(session, SystemClock(), 60)
    in_flight = "Tin số 030"

    with FakeChatServer() as server, worker_processes() as started:
        server.fail_text(in_flight, HANG)
        # A lease long enough that no send outlasts half of it on a busy machine (a send that did would be
        # tried again and repeat a message), short enough that the successor does not wait long for it.
        killed = start_worker(started, database_url, server, "sender-a", tmp_path, "--lease", "20")
        assert server.hanging.wait(120), (tmp_path / "sender-a.err").read_text()
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait(60)
        with Session(engine) as check:
            held = check.exec(select(Notification).where(Notification.body == in_flight)).one()
        assert (held.status, held.claimed_by) == ("sending", "sender-a")

        # The chat API did deliver the message; only the dead sender never heard so.
        server.release()
        deadline = time.monotonic() + 60
        while in_flight not in server.texts() and time.monotonic() < deadline:
            time.sleep(0.05)

        successor = start_worker(started, database_url, server, "sender-b", tmp_path, "--lease", "20")
        finish(successor, tmp_path, "sender-b")
        delivered = Counter(server.texts())

    assert set(delivered) == set(texts)  # nothing lost
    assert {text: n for text, n in delivered.items() if n > 1} == {in_flight: 2}
    assert statuses(engine) == Counter({"sent": 60})
