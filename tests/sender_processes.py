"""Sender processes for the tests (tests/sender_worker.py) on one database, against the loopback fake chat
API: the outbox they share, starting them together, and waiting for them to finish."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from builders import person
from fake_channel import FakeChatServer
from outbox_helpers import ward_with_chats
from sqlmodel import Session

from tracker import outbox
from tracker.clock import Clock

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


@contextmanager
def worker_processes() -> Iterator[list[subprocess.Popen[str]]]:
    """The worker processes a test starts; any still running when the block ends (a failed assertion) is
    killed."""
    processes: list[subprocess.Popen[str]] = []
    try:
        yield processes
    finally:
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


def go(workers: list[subprocess.Popen[str]]) -> None:
    """Start workers that wait for the word (--wait-for-go) together, once all are built and connected."""
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
