"""Several `tracker serve` processes on one database and one Telegram token, as a province runs them for
availability: each ward's jobs run once, every outbox message is sent once, one process polls the bot
and each chat message is answered once; killed with SIGKILL, the poller's place is taken by another and
nothing is lost. Real processes (the installed script) against the loopback fake Bot API."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path

import pytest
from builders import make_task, person
from fake_channel import TOKEN
from fake_telegram import FakeTelegramServer
from outbox_helpers import BOUND, ward_with_chats
from sqlmodel import Session, select
from test_serve import SCRIPT, environment

from tracker import outbox
from tracker.clock import WARD_TZ, FixedClock
from tracker.leases import holders
from tracker.models import Notification, Person

NOW = datetime(2026, 12, 14, 8, 0, tzinfo=WARD_TZ)  # a Monday: daily, digest and weekly jobs are due
READY_LINE = "Dịch vụ đang chạy"
DONE_RUN = re.compile(r"job=(?P<job>\w+) ward=(?P<ward>\S+) day=(?P<day>\S+) status=done ")
GENEROUS = 180.0  # seconds; a busy two-core machine starting three interpreters


@pytest.fixture
def ward(session: Session) -> int:
    """The example ward, three unit heads with Telegram chats, and tasks due around the day."""
    clock = FixedClock(NOW)
    org = ward_with_chats(session, clock)
    for unit_key, day in (("vhxh", 11), ("kthtdt", 14), ("vhxh", 15), ("kthtdt", 17)):
        make_task(session, clock, org, unit_key, due=date(2026, 12, day), title=f"Việc hạn {day}/12 của {unit_key}")
    return org


def service_environment(database_url: str, server: FakeTelegramServer) -> dict[str, str]:
    env = {k: v for k, v in environment(database_url).items() if not k.startswith("TELEGRAM_")}
    return {**env, "TRACKER_NOW": NOW.isoformat(), "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": server.url}


@contextmanager
def services(count: int, database_url: str, server: FakeTelegramServer, folder: Path,
             extra: dict[str, str] | None = None) -> Iterator[list[subprocess.Popen]]:
    """`count` `tracker serve` processes (with the `extra` environment), each in a folder of its own, all
    ready; killed if still running when the block ends."""
    with ExitStack() as stack:
        processes = []
        for n in range(count):
            home = folder / f"service-{n}"
            home.mkdir()
            err = stack.enter_context((home / "err.txt").open("w"))
            out = stack.enter_context((home / "out.txt").open("w"))
            processes.append(subprocess.Popen([str(SCRIPT), "serve"], cwd=home, stdout=out, stderr=err,
                                              env={**service_environment(database_url, server), **(extra or {})},
                                              stdin=subprocess.DEVNULL))
        stack.callback(_kill_all, processes)
        for n, process in enumerate(processes):
            log = folder / f"service-{n}" / "logs" / "tracker.log"
            wait_until(lambda log=log: log.exists() and READY_LINE in log.read_text(encoding="utf-8"),
                       [process], f"service-{n} ready")
        yield processes


def _kill_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_until(condition: Callable[[], bool], processes: list[subprocess.Popen], what: str,
               seconds: float = GENEROUS) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        for process in processes:
            assert process.poll() is None, f"a service stopped early with code {process.returncode} ({what})"
        time.sleep(0.1)
    raise AssertionError(f"not done after {seconds} s: {what}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        assert process.wait(timeout=GENEROUS) in (0, -signal.SIGKILL)


def telegram_rows(engine) -> list[Notification]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.channel == "telegram")))


def all_sent(engine) -> bool:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        statuses = set(session.exec(select(Notification.status)))
    return bool(statuses) and statuses <= {"sent", "failed"}


def poller_pid(engine) -> int | None:  # type: ignore[no-untyped-def]
    """The process id of the process holding the bot's poll lease (its holder is "host:pid:random")."""
    polling = [h for h in holders(engine, FixedClock(datetime.now(WARD_TZ))) if h.role == "poll"]
    return int(polling[0].holder.split(":")[1]) if len(polling) == 1 else None


def ask_and_wait(server: FakeTelegramServer, chats: list[int], processes: list[subprocess.Popen]) -> None:
    for chat in chats:
        server.push_message(chat, "Xin chào")
    wait_until(lambda: all(server.texts_to(str(chat)) for chat in chats), processes, "answers")


def test_three_services_run_each_wards_jobs_once_send_each_message_once_and_answer_each_chat_once(
    engine, session, ward, database_url, tmp_path
):
    strangers = [700000101 + n for n in range(6)]
    with FakeTelegramServer() as server, services(3, database_url, server, tmp_path) as processes:
        wait_until(lambda: all_sent(engine), processes, "the morning's messages sent")
        ask_and_wait(server, strangers, processes)
        polls_seen = Counter(call.method for call in server.calls)["getUpdates"]
        conflicts = getattr(server, "conflicts", 0)
        stop(processes)

    runs = Counter(done_runs(tmp_path))
    assert {job for job, _, _ in runs} >= {"daily", "digest", "weekly", "extensions"}
    assert max(runs.values()) == 1, runs
    rows = telegram_rows(engine)
    assert rows, "the bound unit heads were owed reminders"
    sent = Counter((m.chat_id, m.text) for m in server.messages if m.chat_id.startswith("chat-"))
    assert sent == Counter((f"chat-{_key(engine, r.person_id)}", r.body) for r in rows)
    assert all(len(server.texts_to(str(chat))) == 1 for chat in strangers)
    assert polls_seen and conflicts == 0  # one process polled; a second getUpdates would have ended the first


def done_runs(folder: Path) -> Iterator[tuple[str, str, str]]:
    """(job, ward, day) of every run some process's log reports done."""
    for log in folder.glob("service-*/logs/tracker.log"):
        for line in log.read_text(encoding="utf-8").splitlines():
            found = DONE_RUN.search(line)
            if found:
                yield found["job"], found["ward"], found["day"]


def _key(engine, person_id: int | None) -> str:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        found = session.get(Person, person_id)
        assert found is not None
        return found.key


def test_when_the_polling_service_is_killed_another_takes_over_and_nothing_is_lost(
    engine, session, ward, database_url, tmp_path
):
    with FakeTelegramServer() as server, services(2, database_url, server, tmp_path) as processes:
        wait_until(lambda: poller_pid(engine) is not None, processes, "a poller")
        ask_and_wait(server, [700000201], processes)
        victim_pid = poller_pid(engine)
        victim = next(p for p in processes if p.pid == victim_pid)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(GENEROUS)
        survivors = [p for p in processes if p is not victim]

        # A message sent while nobody polls waits at Telegram and is answered by the successor.
        server.push_message(700000202, "Xin chào")
        clock = FixedClock(NOW)
        for n in range(10):
            outbox.enqueue(session, clock=clock, org_id=ward, person_id=_person(session, ward, BOUND[n % 3]),
                           kind="thu", day=NOW.date(), body=f"Tin sau khi dừng {n}", key=f"sau:{n}")
        session.commit()
        wait_until(lambda: bool(server.texts_to("700000202")), survivors, "the successor's answer")
        wait_until(lambda: all_sent(engine), survivors, "the later messages sent")
        assert poller_pid(engine) in {p.pid for p in survivors}
        stop(survivors)

    later = [m.text for m in server.messages if m.text.startswith("Tin sau khi dừng")]
    assert sorted(later) == sorted(f"Tin sau khi dừng {n}" for n in range(10))
    assert len(server.texts_to("700000202")) == 1


def _person(session: Session, org_id: int, key: str) -> int:
    return person(session, org_id, key).id or 0

