"""Bot latency: 200 people using the Telegram bot at once, through the fake Bot API server of the tests.

It builds, in a child process and a temporary SQLite file (or a PostgreSQL database of its own with
--postgres), the example ward with 8 open tasks per unit (some overdue) and --users members spread over its
units, each added with tracker.usecases.add_person and bound to a private chat with an invite code, as people
are. Then, in this process, tests/fake_telegram.py's server and the real bot (bots.telegram_inbound.TelegramBot
long-polling it, the real dialog on the database) run, and every simulated person does, one after the other,
each waiting for the bot's answer and pausing a moment: /viec, a press on the first task's button under that
list, /quahan and /trogiup. People start at random moments so that the bot is offered about --rate updates per
second in all.

Measured, per update: from the moment getUpdates hands it to the bot (the fake server records it; this leaves
out the long-polling interval, which only the real Telegram decides) to the bot's reply arriving at the fake
server (sendMessage), which includes the wait behind updates handed out in the same batch, since the bot
handles one update at a time. Printed: p50, p95 and the maximum of that, the same from the moment the update
was queued (for information), and the process's peak resident memory (resource.getrusage; the fake server
runs in the same process, the ward is built in another). Aim (from the Telegram issue): p95 under 50 ms.
Nothing is asserted: this prints measurements.

Run from the project folder:  uv run python benchmarks/bot_latency.py [--users 200] [--rate 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from fake_telegram import FakeTelegramServer, Reply, channel_for  # noqa: E402  (the tests' fake Bot API)

from bots.dialog import Dialog  # noqa: E402
from bots.telegram_inbound import PollingOptions, TelegramBot  # noqa: E402
from tracker.clock import WARD_TZ, FixedClock  # noqa: E402
from tracker.config import load_ward_file  # noqa: E402
from tracker.db import make_engine  # noqa: E402
from tracker.migrate import upgrade  # noqa: E402
from tracker.models import Person, Role, Unit  # noqa: E402
from tracker.usecases import TaskDraft, add_person, apply_ward_config, bind_chat, create_task, issue_invite  # noqa: E402

# Monday 18 May 2026, 09:00 in the ward: office hours, some tasks overdue.
NOW = datetime(2026, 5, 18, 9, 0, tzinfo=WARD_TZ)
FIRST_CHAT = 800_000_000
TASKS_PER_UNIT = 8
DUE_DAYS = (date(2026, 5, 8), date(2026, 5, 15), date(2026, 5, 20), date(2026, 5, 29), date(2026, 6, 30))
GOAL_MS = 50.0
POLL_SECONDS = 1.0
STEPS = ("/viec", "button", "/quahan", "/trogiup")


def build_ward(url: str, users: int) -> None:
    """The example ward, its tasks, and `users` members bound to the chats FIRST_CHAT, FIRST_CHAT + 1, ..."""
    clock = FixedClock(NOW)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        apply_ward_config(session, clock=clock, config=load_ward_file(ROOT / "config" / "ward.example.toml"))
        session.commit()
        admin = session.exec(select(Person).where(Person.key == "quan-tri")).one()
        clerk = session.exec(select(Person).where(Person.key == "van-thu")).one()
        units = list(session.exec(select(Unit).order_by(Unit.id)))  # type: ignore[arg-type]
        for unit in units:
            for n in range(TASKS_PER_UNIT):
                create_task(session, clock=clock, actor=clerk, draft=TaskDraft(
                    title=f"Nhiệm vụ {n + 1} của {unit.name}: rà soát, báo cáo kết quả thực hiện tháng 5/2026",
                    owner_unit_id=unit.id or 0, due_on=DUE_DAYS[n % len(DUE_DAYS)], assigned_on=date(2026, 5, 4)))
        for n in range(users):
            member = add_person(session, clock=clock, actor=admin, key=f"can-bo-{n + 1}", name=f"Cán bộ số {n + 1}",
                                role=Role.MEMBER, unit_id=units[n % len(units)].id)
            invite = issue_invite(session, clock=clock, actor=admin, person_id=member.id or 0)
            bind_chat(session, clock=clock, channel="telegram", external_id=str(FIRST_CHAT + n), code=invite.code)
        session.commit()
    engine.dispose()


class TimedServer(FakeTelegramServer):
    """The fake Bot API, also noting when getUpdates hands each update out and when each chat's messages
    arrive, and waking the person waiting for them."""

    def __init__(self) -> None:
        super().__init__()
        self.handed: dict[int, float] = {}  # update_id: perf_counter when first handed out
        self.arrivals: dict[str, list[float]] = {}  # chat_id: perf_counter of each sendMessage
        self.waiters: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Event]] = {}
        self._times = threading.Lock()

    def handle(self, method: str, fields: dict[str, Any]) -> Reply:
        reply = super().handle(method, fields)
        now = time.perf_counter()
        if method == "getUpdates" and reply is not None and reply[0] == 200:
            with self._times:
                for update in reply[1]["result"]:
                    self.handed.setdefault(update["update_id"], now)
        elif method == "sendMessage" and reply is not None and reply[0] == 200:
            chat = str(fields.get("chat_id", ""))
            with self._times:
                self.arrivals.setdefault(chat, []).append(now)
                waiter = self.waiters.get(chat)
            if waiter is not None:
                loop, event = waiter
                loop.call_soon_threadsafe(event.set)
        return reply


class SimulatedPerson:
    """One simulated member in chat `chat`: the four steps, each measured."""

    def __init__(self, server: TimedServer, chat: int, rng: random.Random) -> None:
        self.server, self.chat, self.rng = server, chat, rng
        self.event = asyncio.Event()
        server.waiters[str(chat)] = (asyncio.get_running_loop(), self.event)
        self.from_handout: list[float] = []
        self.from_offer: list[float] = []

    async def run(self, start: float, pause: float) -> None:
        await asyncio.sleep(start)
        for step in STEPS:
            await self._do(step)
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * pause)

    async def _do(self, step: str) -> None:
        self.event.clear()
        before = len(self.server.arrivals.get(str(self.chat), []))
        offered = time.perf_counter()
        update_id = self._press_first_task() if step == "button" else self.server.push_message(self.chat, step)
        while len(self.server.arrivals.get(str(self.chat), [])) <= before:
            await self.event.wait()
            self.event.clear()
        arrived = self.server.arrivals[str(self.chat)][before]
        self.from_handout.append(arrived - self.server.handed[update_id])
        self.from_offer.append(arrived - offered)

    def _press_first_task(self) -> int:
        sent = [m for m in self.server.messages if m.chat_id == str(self.chat) and m.reply_markup]
        data = sent[-1].reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
        query = {"id": f"q-{self.chat}-{uuid.uuid4().hex[:8]}", "chat_instance": "bench", "data": data,
                 "from": {"id": self.chat, "is_bot": False, "first_name": "Cán bộ"},
                 "message": self.server.bot_message(self.chat, sent[-1].text)}
        return self.server.push_update({"callback_query": query})


async def simulate(url: str, users: int, rate: float, seed: int) -> tuple[list[float], list[float], float]:
    """Run the bot and the people; returns the latencies (from hand-out, from offer) and the seconds taken."""
    engine = make_engine(url)
    rng = random.Random(seed)
    # Each person offers one update per `pause` seconds on average; all together about `rate` a second.
    pause = users / rate
    with TimedServer() as server:
        async with channel_for(server) as channel:
            bot = TelegramBot(channel, Dialog(engine, FixedClock(NOW)), options=PollingOptions(timeout=POLL_SECONDS))
            polling = asyncio.create_task(bot.run_polling())
            people = [SimulatedPerson(server, FIRST_CHAT + n, random.Random(rng.random())) for n in range(users)]
            started = time.perf_counter()
            await asyncio.gather(*(p.run(rng.uniform(0, pause), pause) for p in people))
            took = time.perf_counter() - started
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
    engine.dispose()
    return ([s for p in people for s in p.from_handout], [s for p in people for s in p.from_offer], took)


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` quantile (0.95: p95) of `samples`, interpolated."""
    return statistics.quantiles(samples, n=100, method="inclusive")[round(fraction * 100) - 1]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """A new, empty database: a temporary SQLite file, or one created (and dropped) on the PostgreSQL
    server `postgres` names; the database that URL names is never written to."""
    if not postgres:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bot.db'}"
        return
    admin = make_engine(postgres).execution_options(isolation_level="AUTOCOMMIT")
    name = f"bot_latency_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sa.make_url(postgres).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Đo độ trễ trả lời của bot Telegram với nhiều người dùng.")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="số cập nhật mỗi giây gửi tới bot (trung bình)")
    parser.add_argument("--seed", type=int, default=20260518)
    parser.add_argument("--postgres", default=os.environ.get("TRACKER_BENCH_POSTGRES_URL"))
    options = parser.parse_args(argv)
    with database(options.postgres) as url:
        start = time.perf_counter()
        child = multiprocessing.get_context("spawn").Process(target=build_ward, args=(url, options.users))
        child.start()
        child.join()
        kind = "PostgreSQL" if options.postgres else "SQLite"
        print(f"Đã tạo phường ({kind}) với {options.users} cán bộ đã liên kết Telegram trong "
              f"{time.perf_counter() - start:.1f} s.")
        handout, offer, took = asyncio.run(simulate(url, options.users, options.rate, options.seed))
    ms = [s * 1000 for s in handout]
    total = [s * 1000 for s in offer]
    p95 = percentile(ms, 0.95)
    print(f"{len(ms)} cập nhật ({', '.join(STEPS)} mỗi người) trong {took:.1f} s, khoảng "
          f"{len(ms) / took:.0f} cập nhật/giây.")
    print(f"Từ lúc getUpdates trao cập nhật đến lúc trả lời tới máy chủ: p50 {percentile(ms, 0.5):.1f} ms, "
          f"p95 {p95:.1f} ms, lâu nhất {max(ms):.1f} ms (mục tiêu p95 < {GOAL_MS:g} ms: {_verdict(p95 < GOAL_MS)}).")
    print(f"Từ lúc cập nhật được xếp hàng (gồm cả chờ long polling, để tham khảo): p50 {percentile(total, 0.5):.1f} "
          f"ms, p95 {percentile(total, 0.95):.1f} ms.")
    print(f"Bộ nhớ thường trú tối đa của tiến trình bot: {peak_rss_mib():.0f} MiB.")
    return 0


def _verdict(met: bool) -> str:
    return "đạt" if met else "chưa đạt"


if __name__ == "__main__":
    raise SystemExit(main())
