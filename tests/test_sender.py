"""The outbox sender against a loopback fake chat API, one step at a time with a fixed clock: what it
records after each kind of answer, the rate limits, the log channel, and stopping."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from builders import person
from fake_channel import (
    BAD_REQUEST,
    BLOCKED,
    CHAT_NOT_FOUND,
    HANG,
    SERVER_ERROR,
    TOKEN,
    Failure,
    FakeApiChannel,
    FakeChatServer,
)
from outbox_helpers import (
    BOUND,
    FakeTime,
    bind_person,
    enqueue,
    log_channel,
    make_sender,
    row,
    step,
    ward_with_chats,
)
from sqlmodel import Session, select

from jobs.sender import RateLimits, Sender
from tracker import outbox
from tracker.clock import FixedClock, SystemClock
from tracker.db import make_engine
from tracker.models import AuditEvent, ChatIdentity, Notification


@pytest.fixture
def org_id(session: Session, clock: FixedClock) -> int:
    return ward_with_chats(session, clock)


@pytest.fixture
def server(clock: FixedClock) -> Iterator[FakeChatServer]:
    with FakeChatServer(timer=lambda: clock.now().timestamp()) as fake:
        yield fake


@pytest.fixture
def fake_time(clock: FixedClock) -> FakeTime:
    return FakeTime(clock)


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.log"


def test_a_due_message_is_sent_once_and_marked_sent(engine, session, clock, org_id, server, log_path, fake_time):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 2 nhiệm vụ sắp đến hạn.")
    sender = make_sender(engine, clock, server, log_path, fake_time)

    assert step(sender) is True
    assert step(sender) is False

    assert [(d.chat_id, d.text) for d in server.deliveries] == [("chat-tp-vhxh", "Nhắc việc: 2 nhiệm vụ sắp đến hạn.")]
    sent = row(session, message)
    assert (sent.status, sent.attempts, sent.sent_at, sent.claimed_until, sent.last_error) == (
        "sent", 1, clock.now(), None, "")
    assert not log_path.exists()


@pytest.mark.parametrize(("retry_after", "expected_delay"), [(120, 120), (5, 30)])
def test_a_rate_limited_message_waits_the_channel_retry_after_and_at_least_the_backoff(
    engine, session, clock, org_id, server, log_path, fake_time, retry_after, expected_delay
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Tổng hợp nhiệm vụ quá hạn.")
    server.fail_next(1, Failure("rate_limited", retry_after=retry_after))
    sender = make_sender(engine, clock, server, log_path, fake_time)

    assert step(sender) is True
    waiting = row(session, message)
    assert waiting.status == "pending" and "429" in waiting.last_error
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=expected_delay)

    clock.advance(timedelta(seconds=expected_delay - 1))
    assert step(sender) is False
    clock.advance(timedelta(seconds=1))
    assert step(sender) is True
    assert row(session, message).status == "sent"
    assert server.texts() == ["Tổng hợp nhiệm vụ quá hạn."]


def test_a_server_error_is_retried_with_exponential_backoff(
    engine, session, clock, org_id, server, log_path, fake_time
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc hằng ngày.")
    server.fail_next(3, SERVER_ERROR)
    sender = make_sender(engine, clock, server, log_path, fake_time)

    delays = []
    for _ in range(3):
        assert step(sender) is True
        waiting = row(session, message)
        assert waiting.status == "pending" and waiting.last_error.startswith("500")
        delays.append(waiting.next_attempt_at - clock.now())
        assert step(sender) is False  # not due before its time
        clock.instant = waiting.next_attempt_at

    assert delays == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert step(sender) is True
    assert (row(session, message).status, row(session, message).attempts) == ("sent", 4)
    assert server.texts() == ["Nhắc việc hằng ngày."]


def test_a_backoff_never_exceeds_its_cap_nor_comes_before_the_channel_retry_after(engine, clock, server, log_path):
    sender = make_sender(engine, clock, server, log_path, backoff_base=timedelta(seconds=10),
                         backoff_max=timedelta(minutes=5))
    assert [sender.retry_delay(n).total_seconds() for n in (1, 2, 3, 5, 6, 40)] == [10, 20, 40, 160, 300, 300]
    assert sender.retry_delay(1, retry_after=600) == timedelta(minutes=10)


def test_a_channel_that_times_out_is_tried_again_later(engine, session, clock, org_id, server, log_path, fake_time):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: hạn chót hôm nay.")
    server.fail_next(1, HANG)
    sender = make_sender(engine, clock, server, log_path, fake_time, timeout=0.2)

    assert step(sender) is True
    waiting = row(session, message)
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "hết thời gian chờ" in waiting.last_error
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=30)

    clock.advance(timedelta(seconds=30))
    assert step(sender) is True
    assert row(session, message).status == "sent"
    assert server.texts() == ["Nhắc việc: hạn chót hôm nay."]


def test_a_send_that_outlasts_the_sender_timeout_is_given_up_and_retried(
    engine, session, clock, org_id, server, log_path, fake_time
):
    # Why: a send still running when the lease ends would be claimed and sent by a second sender too;
    # the sender's own timeout (half the lease by default) bounds a channel whose timeout is too long.
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc.")
    server.fail_next(1, HANG)
    sender = make_sender(engine, clock, server, log_path, fake_time, timeout=30.0, send_timeout=0.2)

    assert step(sender) is True
    waiting = row(session, message)
    assert waiting.status == "pending" and "không trả lời sau 0.2 giây" in waiting.last_error


@pytest.mark.parametrize("failure", [BLOCKED, CHAT_NOT_FOUND], ids=["blocked", "chat-not-found"])
def test_a_chat_that_cannot_be_reached_is_marked_so_and_never_tried_again(
    engine, session, clock, org_id, server, log_path, fake_time, failure
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc: 1 nhiệm vụ quá hạn.")
    server.fail_chat("chat-tp-vhxh", failure)
    sender = make_sender(engine, clock, server, log_path, fake_time)

    assert step(sender) is True
    failed = row(session, message)
    assert (failed.status, failed.attempts) == ("failed", 1)
    identity = session.exec(select(ChatIdentity).where(ChatIdentity.external_id == "chat-tp-vhxh")).one()
    session.refresh(identity)
    assert identity.unreachable_at == clock.now() and identity.unreachable_reason
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "unreachable")).one()
    session.commit()
    assert (event.entity, event.entity_id, event.channel) == ("binding", identity.id, "telegram")

    # The office is told once; its only person has no chat in this ward, so the notice goes to the log.
    assert step(sender) is True
    assert "cần cấp mã mời mới (tracker people invite tp-vhxh)" in log_path.read_text(encoding="utf-8")
    clock.advance(timedelta(days=1))
    assert step(sender) is False
    assert [r.chat_id for r in server.requests] == ["chat-tp-vhxh"]

    # The person's next message goes to the log rather than to a chat that cannot receive it.
    enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc ngày hôm sau.")
    assert step(sender) is True
    assert "Nhắc việc ngày hôm sau." in log_path.read_text(encoding="utf-8")
    assert len(server.requests) == 1


def test_a_message_the_channel_refuses_for_good_fails_at_once_and_keeps_the_chat(
    engine, session, clock, org_id, server, log_path, fake_time
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Một tin nhắn quá dài.")
    server.fail_next(1, BAD_REQUEST)
    sender = make_sender(engine, clock, server, log_path, fake_time)

    assert step(sender) is True
    failed = row(session, message)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "message is too long" in failed.last_error
    identity = session.exec(select(ChatIdentity).where(ChatIdentity.external_id == "chat-tp-vhxh")).one()
    session.commit()
    assert identity.unreachable_at is None


def test_a_person_without_a_chat_gets_the_message_in_the_log_file(
    engine, session, clock, org_id, server, log_path, fake_time
):
    message = enqueue(session, clock, org_id, "chu-tich", "Tổng hợp nhiệm vụ quá hạn theo đơn vị.")
    sender = make_sender(engine, clock, server, log_path, fake_time)

    assert step(sender) is True
    assert row(session, message).status == "sent"
    assert "Tổng hợp nhiệm vụ quá hạn theo đơn vị." in log_path.read_text(encoding="utf-8")
    assert server.requests == []


def test_a_chat_on_a_channel_the_service_has_no_token_for_gets_the_message_in_the_log_file(
    engine, session, clock, org_id, log_path
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc qua Telegram chưa cấu hình.")
    sender = Sender(engine, clock, {"log": log_channel(log_path)}, name="sender-a")

    assert step(sender) is True
    assert row(session, message).status == "sent"
    assert "Nhắc việc qua Telegram chưa cấu hình." in log_path.read_text(encoding="utf-8")


def test_one_chat_gets_at_most_one_message_per_second(engine, session, clock, org_id, server, log_path, fake_time):
    for key, text in [("tp-vhxh", "A1"), ("tp-kthtdt", "B1"), ("tp-vhxh", "A2"), ("tp-vhxh", "A3")]:
        enqueue(session, clock, org_id, key, text)
    sender = make_sender(engine, clock, server, log_path, fake_time)

    while step(sender):
        pass

    assert server.texts() == ["A1", "B1", "A2", "A3"]
    at = {d.text: d.at for d in server.deliveries}
    assert at["A2"] - at["A1"] >= 1 - 1e-6 and at["A3"] - at["A2"] >= 1 - 1e-6
    assert at["B1"] - at["A1"] >= 1 / 30 - 1e-6
    assert at["A3"] - at["A1"] == pytest.approx(2, abs=0.01)  # it waits what it must, not more
    assert sum(fake_time.waits) == pytest.approx(2, abs=0.01)


def test_the_channel_limit_spaces_messages_to_different_chats(engine, session, clock, org_id, server, log_path,
                                                              fake_time):
    for index, key in enumerate(BOUND * 2):
        enqueue(session, clock, org_id, key, f"Tin {index}")
    sender = make_sender(engine, clock, server, log_path, fake_time, limits=RateLimits(per_channel=2, per_chat=100))

    while step(sender):
        pass

    times = [d.at for d in server.deliveries]
    assert len(times) == 6
    # Six messages at 2 per second take 2.5 s: no two closer than a half-interval, no burst.
    assert all(b - a >= 0.25 - 1e-6 for a, b in zip(times, times[1:], strict=False))
    assert times[-1] - times[0] == pytest.approx(2.5, abs=0.01)


def test_the_sender_works_with_the_real_clock_and_real_sleeps(engine, session, org_id, log_path):
    # Why: the service runs with SystemClock and asyncio.sleep; the fixed-clock tests never exercise them.
    # The spacing itself is asserted by the fixed-clock tests: arrival times on a loaded machine say
    # nothing reliable about when the sender started each send.
    system = SystemClock()
    for text in ("R1", "R2", "R3"):
        enqueue(session, system, org_id, "tp-vhxh", text)
    with FakeChatServer() as real_server:
        sender = make_sender(engine, system, real_server, log_path, limits=RateLimits(per_chat=20))
        while step(sender):
            pass
    assert real_server.texts() == ["R1", "R2", "R3"]


def test_a_bug_in_a_channel_is_retried_and_logged_without_the_token(
    engine, session, clock, org_id, log_path, caplog
):
    class BrokenChannel:
        name = "telegram"

        async def send(self, external_id: str, text: str, buttons=()) -> None:  # noqa: ANN001
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage exploded")

    message = enqueue(session, clock, org_id, "tp-vhxh", "Nội dung riêng của tin nhắn.")
    sender = Sender(engine, clock, {"telegram": BrokenChannel(), "log": log_channel(log_path)}, name="sender-a")

    with caplog.at_level(logging.INFO, logger="jobs.sender"):
        assert step(sender) is True

    waiting = row(session, message)
    assert waiting.status == "pending" and "RuntimeError" in waiting.last_error
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert TOKEN not in waiting.last_error and TOKEN.split(":")[1] not in waiting.last_error
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and "Traceback" in logged
    assert TOKEN.split(":")[1] not in logged and "Nội dung riêng" not in logged


def test_each_send_logs_one_line_with_the_message_id_and_outcome_but_never_the_body(
    engine, session, clock, org_id, server, log_path, fake_time, caplog
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nội dung riêng của tin nhắn.")
    sender = make_sender(engine, clock, server, log_path, fake_time)

    with caplog.at_level(logging.INFO, logger="jobs.sender"):
        assert step(sender) is True

    lines = [r.getMessage() for r in caplog.records if r.name == "jobs.sender"]
    assert len(lines) == 1
    someone = person(session, org_id, "tp-vhxh")
    session.commit()
    for fragment in (f"notification={message} ", "kind=nhac-viec", f"person={someone.id}", "channel=telegram",
                     "outcome=sent", "duration_ms="):
        assert fragment in lines[0]
    assert "Nội dung riêng" not in lines[0] and TOKEN.split(":")[1] not in lines[0]


def test_stopping_in_the_middle_of_a_send_gives_the_message_back_at_once(
    engine, session, clock, org_id, server, log_path, fake_time
):
    first = enqueue(session, clock, org_id, "tp-kthtdt", "Gửi trước khi dừng.")
    held = enqueue(session, clock, org_id, "tp-vhxh", "Đang gửi thì dừng.")
    server.fail_text("Đang gửi thì dừng.", HANG)
    sender = make_sender(engine, clock, server, log_path, fake_time)

    async def scenario() -> None:
        stop = asyncio.Event()
        running = asyncio.create_task(sender.run(stop, idle_wait=0.05, grace=0.2))
        assert await asyncio.to_thread(server.hanging.wait, 10)
        stop.set()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())

    assert row(session, first).status == "sent"
    given_back = row(session, held)
    assert (given_back.status, given_back.claimed_by, given_back.claimed_until) == ("pending", "", None)
    # Another sender takes it now, without waiting for the two-minute lease to run out.
    with Session(engine) as other:
        claimed = outbox.claim_next(other, clock=clock, sender="sender-b", lease=timedelta(minutes=2))
    assert claimed is not None and claimed.notification_id == held


def test_claiming_when_nothing_is_due_leaves_no_transaction_open(session, clock, org_id):
    # Why: on SQLite the claim's read starts with BEGIN IMMEDIATE; a claim that found nothing and left
    # its transaction open kept the write lock, and every job's writes waited for the busy timeout.
    assert outbox.claim_next(session, clock=clock, sender="sender-a", lease=timedelta(minutes=2)) is None
    assert not session.in_transaction()


def test_several_sends_in_flight_deliver_each_message_once(engine, session, org_id, log_path):
    system = SystemClock()
    texts = [f"Tin {n:02d}" for n in range(12)]
    for n, text in enumerate(texts):
        enqueue(session, system, org_id, BOUND[n % 3], text)
    with FakeChatServer(slowness=0.01) as real_server:
        sender = make_sender(engine, system, real_server, log_path, limits=RateLimits(per_chat=20), concurrency=3)

        async def scenario() -> None:
            stop = asyncio.Event()
            running = asyncio.create_task(sender.run(stop, idle_wait=0.05))
            for _ in range(200):
                if len(real_server.deliveries) == len(texts):
                    break
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(running, 10)

        asyncio.run(scenario())
        deliveries = real_server.deliveries
    assert sorted(d.text for d in deliveries) == texts
    with Session(engine) as check:
        assert set(check.exec(select(Notification.status))) == {"sent"}


def test_a_429_with_retry_after_pauses_the_whole_channel_and_not_the_others(
    engine, session, clock, org_id, server, log_path, fake_time
):
    # Why: the row that got 429 waited, but the next rows went straight on: 60 requests in 9 s.
    bind_person(session, clock, org_id, "van-thu", "zalo", "zalo-van-thu")
    for key in ("tp-vhxh", "tp-kthtdt", "van-thu"):
        enqueue(session, clock, org_id, key, f"Nhắc việc cho {key}.")
    server.fail_next(1, Failure("rate_limited", retry_after=60))
    channels = {"telegram": FakeApiChannel(server.url), "zalo": FakeApiChannel(server.url, name="zalo"),
                "log": log_channel(log_path)}
    sender = Sender(engine, clock, channels, name="sender-a", sleep=fake_time.sleep)
    started = clock.now().timestamp()

    while step(sender):
        pass
    assert [r.chat_id for r in server.requests] == ["chat-tp-vhxh", "zalo-van-thu"]  # telegram's next row waits
    clock.advance(timedelta(seconds=60))
    while step(sender):
        pass

    by_chat = {request.chat_id: request.at - started for request in server.requests if request.answer == "ok"}
    assert set(by_chat) == {"chat-tp-vhxh", "chat-tp-kthtdt", "zalo-van-thu"}
    assert by_chat["zalo-van-thu"] < 60  # another channel keeps going
    assert by_chat["chat-tp-kthtdt"] >= 60  # the same channel, another chat: it waited for the flood to pass


def test_a_database_that_goes_away_is_logged_once_retried_ever_more_slowly_and_the_sender_resumes(
    tmp_path, _sqlite_template, clock, caplog
):
    # Why: with the database gone the service logged a traceback with SQL parameters every second, for ever.
    # SQLite only: its file can be taken away and put back; PostgreSQL would need its server stopped.
    path = tmp_path / "tracker.db"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as setup:
        org_id = ward_with_chats(setup, clock)
    caplog.set_level(logging.INFO, logger="jobs.sender")

    def logged(words: str) -> list[logging.LogRecord]:
        return [r for r in caplog.records if words in r.getMessage()]

    async def scenario() -> None:
        with FakeChatServer() as server:
            channels = {"telegram": FakeApiChannel(server.url), "log": log_channel(tmp_path / "o.log")}
            sender = Sender(engine, clock, channels, name="sender-a")
            stop = asyncio.Event()
            engine.dispose()  # the last connection closed folds the write-ahead log into the file
            running = asyncio.create_task(sender.run(stop, idle_wait=0.05))
            path.rename(tmp_path / "away.db")
            engine.dispose()  # connections held open would still see the file that went away
            await until(lambda: logged("không làm việc được với cơ sở dữ liệu"))
            await asyncio.sleep(1.0)  # let it fail several times; each retry waits twice as long as the last
            for made_meanwhile in (path, tmp_path / "tracker.db-wal", tmp_path / "tracker.db-shm"):
                made_meanwhile.unlink(missing_ok=True)
            (tmp_path / "away.db").rename(path)
            engine.dispose()
            with Session(engine) as later:
                enqueue(later, clock, org_id, "tp-vhxh", "Nhắc việc sau khi cơ sở dữ liệu trở lại.")
            await until(lambda: server.texts() == ["Nhắc việc sau khi cơ sở dữ liệu trở lại."])
            stop.set()
            await running

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    failures = logged("không làm việc được với cơ sở dữ liệu")
    assert len(failures) == 1 and "SELECT" not in failures[0].getMessage() and failures[0].exc_info is None
    assert len(logged("cơ sở dữ liệu dùng được trở lại")) == 1


async def until(condition, deadline: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for `condition` to hold, checking often, failing after a generous `deadline` in seconds."""
    waited = 0.0
    while not condition():
        assert waited < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.05)
        waited += 0.05


def test_a_sender_stopped_while_its_database_is_gone_stops_cleanly(tmp_path, _sqlite_template, clock, caplog):
    # Why: `tracker serve` must exit with code 0 on SIGTERM even then; giving back the claims used to raise.
    path = tmp_path / "tracker.db"
    shutil.copy(_sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    caplog.set_level(logging.INFO, logger="jobs.sender")

    async def scenario() -> None:
        sender = Sender(engine, clock, {"log": log_channel(tmp_path / "o.log")}, name="sender-a")
        stop = asyncio.Event()
        engine.dispose()
        path.rename(tmp_path / "away.db")
        running = asyncio.create_task(sender.run(stop, idle_wait=0.05))
        await until(lambda: any("không làm việc được" in r.getMessage() for r in caplog.records))
        stop.set()
        await running  # returns; raises nothing

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()
    assert any("stopped without giving back its claims" in r.getMessage() for r in caplog.records)
