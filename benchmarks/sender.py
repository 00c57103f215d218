"""Sender benchmark: 5,000 messages through the loopback fake chat API at Telegram's limits.

It creates the example ward with 200 extra people, each with a bound chat, puts 5,000 messages in the
outbox (one per person per round, as the daily jobs write them), and runs one `jobs.sender.Sender` on the
real clock with the default limits (30 messages per second over the channel, 1 per second per chat)
against the fake chat API of tests/fake_channel.py (the same fake the tests use). The sender runs in a
process of its own (tests/sender_worker.py), as in `tracker serve`, so that the fake API, which stays in
this process and records every delivery, does not compete with it for the interpreter. It prints progress,
then: the achieved rate as a share of the limit (aim: at least 90 %), lost and duplicate messages (aim:
0), the closest two messages to one chat came, the most messages in any one-second window, and the
total time. 5,000 messages at 30 per second take about 170 seconds. Nothing is asserted.

Run from the project folder:

    uv run python benchmarks/sender.py [--messages 5000] [--people 200] [--concurrency 1]
                                       [--slowness 0.0] [--postgres URL]

SQLite uses a temporary file. With --postgres (a server URL), a database tracker_bench_sender_<pid> is
created on that server and dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from builders import example_config  # noqa: E402
from fake_channel import FakeChatServer  # noqa: E402

from jobs.sender import RateLimits  # noqa: E402
from tracker import outbox  # noqa: E402
from tracker.clock import SystemClock  # noqa: E402
from tracker.db import make_engine, normalize_url  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import Role  # noqa: E402
from tracker.usecases import add_person, apply_ward_config, bind_chat, issue_invite, person_in_ward  # noqa: E402

LIMITS = RateLimits()
GOAL_SHARE = 0.90


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """A fresh database URL: a temporary SQLite file, or a new database on the PostgreSQL server."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="tracker_bench_sender_") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    admin = sa.create_engine(normalize_url(postgres), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"tracker_bench_sender_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def fill_outbox(engine: Engine, people: int, messages: int) -> list[str]:
    """The example ward, `people` unit members with a Telegram chat each, and `messages` messages to them
    in rounds (one per person per round). Returns the texts, in the order they were queued."""
    clock = SystemClock()
    with Session(engine, expire_on_commit=False) as session:
        org = apply_ward_config(session, clock=clock, config=example_config()).organization
        admin = person_in_ward(session, org_id=org.id or 0, ref="quan-tri")
        unit_id = person_in_ward(session, org_id=org.id or 0, ref="tp-vhxh").unit_id
        ids = []
        for n in range(people):
            member = add_person(session, clock=clock, actor=admin, key=f"cb-{n:03d}", name=f"Cán bộ số {n + 1}",
                                role=Role.MEMBER, unit_id=unit_id)
            invite = issue_invite(session, clock=clock, actor=admin, person_id=member.id or 0)
            bind_chat(session, clock=clock, channel="telegram", external_id=f"chat-{n:03d}", code=invite.code)
            ids.append(member.id or 0)
        texts = [f"Tin nhắn thử số {n:05d}: nhắc việc hằng ngày." for n in range(messages)]
        for n, text in enumerate(texts):
            outbox.enqueue(session, clock=clock, org_id=org.id or 0, person_id=ids[n % people], kind="thu",
                           day=clock.now().date(), body=text, key=f"thu:{n}")
        session.commit()
    return texts


def send_all(url: str, server: FakeChatServer, total: int, concurrency: int, folder: Path) -> float:
    """Run the sender in a process of its own (tests/sender_worker.py, with the default limits), as
    `tracker serve` would be: the fake API in this process must not compete with it for the GIL. Prints
    progress every 10 seconds; returns the seconds from the start of sending to the last message."""
    timeout = total / LIMITS.per_channel * 1.5 + 60
    command = [sys.executable, str(ROOT / "tests" / "sender_worker.py"), "--database-url", url, "--api-url",
               server.url, "--name", f"bench-{os.getpid()}", "--log", str(folder / "outbox.log"),
               "--per-channel", str(LIMITS.per_channel), "--per-chat", str(LIMITS.per_chat),
               "--concurrency", str(concurrency), "--timeout", str(timeout), "--wait-for-go"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    worker = subprocess.Popen(command, cwd=ROOT, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert worker.stdin is not None and worker.stdout is not None
    if worker.stdout.readline().strip() != "ready":
        raise SystemExit("Bộ gửi không khởi động được.")
    started = time.monotonic()
    worker.stdin.write("go\n")
    worker.stdin.flush()
    while worker.poll() is None:
        time.sleep(0.5)
        elapsed = time.monotonic() - started
        if elapsed // 10 != (elapsed - 0.5) // 10:
            done = len(server.deliveries)
            print(f"  {elapsed:5.0f} s: đã gửi {done}/{total} ({done / elapsed:.1f} tin/giây)", flush=True)
    if worker.returncode != 0:
        print(f"Bộ gửi dừng với mã {worker.returncode} (2: hết {timeout:.0f} s mà chưa gửi hết).")
    return time.monotonic() - started


def report(server: FakeChatServer, texts: list[str], seconds: float, setup: float) -> None:
    deliveries = server.deliveries
    counts = Counter(d.text for d in deliveries)
    lost = sum(1 for t in texts if t not in counts)
    duplicates = sum(n - 1 for n in counts.values())
    times = [d.at for d in deliveries]
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    by_chat: dict[str, list[float]] = defaultdict(list)
    for d in deliveries:
        by_chat[d.chat_id].append(d.at)
    gaps = [b - a for at in by_chat.values() for a, b in zip(at, at[1:], strict=False)]
    window, busiest = 0, 0
    for i, t in enumerate(times):  # the most messages within one second of any message
        while times[window] <= t - 1.0:
            window += 1
        busiest = max(busiest, i - window + 1)
    share = rate / LIMITS.per_channel
    print(f"Chuẩn bị dữ liệu: {setup:.1f} s")
    print(f"Đã gửi: {len(deliveries)} lượt cho {len(texts)} tin nhắn, {len(by_chat)} người nhận")
    print(f"Tốc độ đạt được: {rate:.2f} tin/giây = {share:.1%} giới hạn {LIMITS.per_channel:g} tin/giây "
          f"({'đạt' if share >= GOAL_SHARE else 'chưa đạt'} mục tiêu {GOAL_SHARE:.0%})")
    print(f"Mất: {lost}; trùng: {duplicates} (mục tiêu: 0 và 0)")
    print(f"Khoảng cách ngắn nhất giữa hai tin tới cùng một người: "
          f"{min(gaps):.3f} s (giới hạn {1 / LIMITS.per_chat:g} s)" if gaps else "Không người nào nhận hai tin.")
    print(f"Nhiều nhất trong một giây bất kỳ: {busiest} tin")
    print(f"Tổng thời gian gửi: {seconds:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1, help="tin nhắn gửi song song trong bộ gửi")
    parser.add_argument("--slowness", type=float, default=0.0, help="giây máy chủ giả chờ trước mỗi trả lời")
    parser.add_argument("--postgres", default=None, help="URL máy chủ PostgreSQL (mặc định: SQLite tạm)")
    options = parser.parse_args()
    with database(options.postgres) as url, tempfile.TemporaryDirectory() as folder:
        engine = make_engine(url)
        started = time.monotonic()
        upgrade(engine)
        texts = fill_outbox(engine, options.people, options.messages)
        setup = time.monotonic() - started
        print(f"{'PostgreSQL' if options.postgres else 'SQLite'}: {options.messages} tin nhắn cho {options.people} "
              f"người, giới hạn {LIMITS.per_channel:g} tin/giây và {LIMITS.per_chat:g} tin/giây mỗi người, "
              f"{options.concurrency} tin gửi song song.", flush=True)
        with FakeChatServer(slowness=options.slowness) as server:
            seconds = send_all(url, server, len(texts), options.concurrency, Path(folder))
            report(server, texts, seconds, setup)
        engine.dispose()


if __name__ == "__main__":
    main()
