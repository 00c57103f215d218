"""`tracker outbox list` and `tracker outbox retry` as office staff use them, through typer's CliRunner,
on messages the sender really failed to deliver through the loopback fake chat API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fake_channel import SERVER_ERROR, FakeChatServer
from outbox_helpers import FakeTime, enqueue, make_sender, row, step, ward_with_chats
from sqlmodel import Session, select
from typer.testing import Result

from tests.cli_helpers import invoke, succeed
from tracker import outbox
from tracker.clock import FixedClock
from tracker.models import AuditEvent


@pytest.fixture
def org_id(session: Session, clock: FixedClock) -> int:
    return ward_with_chats(session, clock)


@pytest.fixture
def server(clock: FixedClock) -> Iterator[FakeChatServer]:
    with FakeChatServer(timer=lambda: clock.now().timestamp()) as fake:
        yield fake


# A day after the messages were queued.
NOW = "2026-05-19T09:00:00+07:00"


def cli(database_url: str, *args: str) -> Result:
    return invoke(database_url, *args, now=NOW, COLUMNS="200")


def cli_ok(database_url: str, *args: str) -> str:
    return succeed(database_url, *args, now=NOW, COLUMNS="200")


def test_after_the_last_attempt_a_message_fails_shows_in_the_list_and_the_office_can_send_it_again(
    engine, session, clock, org_id, server, tmp_path, database_url
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Báo cáo tuần: 3 nhiệm vụ.")
    server.fail_chat("chat-tp-vhxh", SERVER_ERROR)
    sender = make_sender(engine, clock, server, tmp_path / "outbox.log", FakeTime(clock))

    for _ in range(outbox.MAX_ATTEMPTS):
        assert step(sender) is True
        clock.advance(timedelta(hours=1))
    assert step(sender) is False
    failed = row(session, message)
    assert (failed.status, failed.attempts) == ("failed", outbox.MAX_ATTEMPTS)

    listed = json.loads(cli_ok(database_url, "outbox", "list", "--status", "failed", "--json"))
    assert [(m["id"], m["person"], m["status_label"], m["attempts"]) for m in listed] == [
        (message, "Ông Văn Lạc", "gửi lỗi", outbox.MAX_ATTEMPTS)]
    assert listed[0]["last_error"].startswith("500") and listed[0]["created_at"] == "2026-05-18T08:00:00+07:00"
    assert json.loads(cli_ok(database_url, "outbox", "list", "--status", "sent", "--json")) == []
    table = cli_ok(database_url, "outbox", "list")
    for fragment in ("Người nhận", "Trạng thái", "Số lần gửi", "Lỗi gần nhất", "Ông Văn Lạc", "gửi lỗi",
                     "18/05/2026 08:00", "Telegram"):
        assert fragment in table

    assert "Đã đưa tin nhắn số" in cli_ok(database_url, "outbox", "retry", str(message))
    again = row(session, message)
    assert (again.status, again.attempts, again.last_error) == ("pending", 0, "")
    [retried] = session.exec(select(AuditEvent).where(AuditEvent.action == "retry")).all()
    session.commit()
    assert (retried.entity, retried.entity_id, retried.before["status"], retried.channel) == (
        "notification", message, "failed", "cli")

    server.fail_chat("chat-tp-vhxh", None)
    clock.instant = again.next_attempt_at
    assert step(sender) is True
    assert row(session, message).status == "sent"
    assert server.texts() == ["Báo cáo tuần: 3 nhiệm vụ."]


def test_only_a_failed_message_can_be_sent_again_and_an_unknown_status_is_refused(
    session, clock, org_id, database_url
):
    message = enqueue(session, clock, org_id, "tp-vhxh", "Nhắc việc.")
    refused = cli(database_url, "outbox", "retry", str(message))
    assert refused.exit_code == 1 and "không ở trạng thái lỗi" in refused.stderr
    missing = cli(database_url, "outbox", "retry", "9999")
    assert missing.exit_code == 1 and "Không tìm thấy tin nhắn số 9999" in missing.stderr
    wrong = cli(database_url, "outbox", "list", "--status", "lost")
    assert wrong.exit_code == 1 and "Trạng thái «lost» không có" in wrong.stderr
    assert "chờ gửi" in cli_ok(database_url, "outbox", "list", "--status", "pending")
