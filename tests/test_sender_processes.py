"""Several sender processes on one database (tests/sender_worker.py), against the loopback fake chat API:
each message is delivered once, and a sender killed mid-send loses nothing and repeats only the message
it had in flight. These run on the real clock: leases must expire between processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import person
from fake_channel import HANG, FakeChatServer
from outbox_helpers import ward_with_chats
from sqlmodel import Session, select

from tracker import outbox
from tracker.clock import Clock, SystemClock
from tracker.models import Notification

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "tests" / "sender_worker.py"
PEOPLE = ("chu-tich", "pct-kt", "pct-vx", "van-thu", "tp-vhxh", "tp-kthtdt", "cvp", "gd-ttpvhcc", "gd-ttdvsnc",
          "cht-bchqs", "tca", "tt-tyt", "gd-bqlda")


def fill_outbox(session: Session, clock: Clock, count: int) -> list[str]:
    """The example ward with a chat for each of PEOPLE, and `count` messages spread over them, due now
    on the real clock. Returns the texts."""
    org = ward_with_chats(session, clock, PEOPLE)
    ids = [person(session, org, key).id or 0 for key in PEOPLE]
    texts = [f"Tin số {n:03d}" for n in range(count)]
    for n, text in enumerate(texts):
        outbox.enqueue(session, clock=clock, org_id=org, person_id=ids[n % len(ids)], kind="thu",
                       day=clock.now().date(), body=text, key=f"thu:{n}")
    session.commit()
    return texts


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[str]]]:
    """The worker processes a test starts; any still running when it ends (a failed assertion) is killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def start_worker(started: list[subprocess.Popen[str]], database_url: str, server: FakeChatServer, name: str,
                 tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    command = [sys.executable, str(WORKER), "--database-url", database_url, "--api-url", server.url, "--name", name,
               "--log", str(tmp_path / f"{name}.log"), *options]
    worker = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=open(tmp_path / f"{name}.err", "w"))  # noqa: SIM115 (closed with the process)
    started.append(worker)
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "ready", (tmp_path / f"{name}.err").read_text()
    return worker


def finish(worker: subprocess.Popen[str], tmp_path: Path, name: str, timeout: float = 600) -> None:
    try:
        code = worker.wait(timeout)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        pytest.fail(f"{name} did not finish in {timeout} s")
    assert code == 0, (tmp_path / f"{name}.err").read_text()


def statuses(engine) -> Counter[str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return Counter(session.exec(select(Notification.status)))


def test_two_sender_processes_deliver_every_message_exactly_once(engine, session, database_url, tmp_path, started):
    texts = fill_outbox(session, SystemClock(), 200)

    with FakeChatServer(slowness=0.01) as server:
        workers = [start_worker(started, database_url, server, name, tmp_path, "--wait-for-go")
                   for name in ("sender-a", "sender-b")]
        for worker in workers:  # both are built and connected: start them together
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker, name in zip(workers, ("sender-a", "sender-b"), strict=True):
            finish(worker, tmp_path, name)
        delivered = Counter(server.texts())

    assert delivered == Counter(texts)
    assert statuses(engine) == Counter({"sent": 200})
    with Session(engine) as check:
        senders = Counter(check.exec(select(Notification.claimed_by)))
    assert set(senders) == {"sender-a", "sender-b"}, senders  # both did share the work


def test_a_sender_killed_mid_send_loses_nothing_and_repeats_only_the_message_in_flight(
    engine, session, database_url, tmp_path, started
):
    texts = fill_outbox(session, SystemClock(), 60)
    in_flight = "Tin số 030"

    with FakeChatServer() as server:
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
