"""`tracker doctor` as the ward's IT person runs it: every check as đạt or cần sửa with what to do, exit
code 1 while anything needs fixing, the chat bots asked over their APIs (the tests' fake servers)."""

from __future__ import annotations

import json
from datetime import timedelta

from fake_telegram import TOKEN as TELEGRAM_TOKEN
from fake_telegram import FakeTelegramServer
from fake_zalo import TOKEN as ZALO_TOKEN
from fake_zalo import FakeZaloServer

from bots.poll_lease import bot_key
from tests.cli_helpers import EXAMPLE, invoke, succeed
from tracker.clock import SystemClock
from tracker.db import make_engine
from tracker.leases import claim

WARD_TOKEN = "7654321:ward-own-bot-token-abcdefghijklmno"
NOW = "2026-05-18T08:00:00+07:00"  # a Monday: the last working day before it is Friday 15/05


def doctor(url: str, tmp_path, **env: str):  # type: ignore[no-untyped-def]
    """`tracker doctor` with no chat token from the developer's shell, unless the test gives one."""
    tokens = {"TELEGRAM_BOT_TOKEN": "", "ZALO_BOT_TOKEN": "", **env}
    return invoke(url, "doctor", now=NOW, COLUMNS="250", TRACKER_BACKUP_DIR=str(tmp_path / "backups"), **tokens)


def lines(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {line.split(": ", 1)[0]: line for line in result.stdout.splitlines()}


def healthy_ward(url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    succeed(url, "init", "--config", str(EXAMPLE), now=NOW)
    for job in ("daily", "digest"):
        succeed(url, "jobs", "run", job, "--at", "2026-05-15T08:00+07:00", now=NOW)
    succeed(url, "db", "backup", "--out", str(tmp_path / "backups" / "tracker-20260518-010000.db"), now=NOW)


def test_a_new_ward_needs_its_jobs_and_a_backup_and_says_what_to_do(database_url, tmp_path):
    succeed(database_url, "init", "--config", str(EXAMPLE), now=NOW)

    result = doctor(database_url, tmp_path)

    assert result.exit_code == 1
    found = lines(result)
    assert found["đạt — cấu hình"].endswith("Phường Mẫu")
    assert found["cần sửa — việc theo lịch của Phường Mẫu"].endswith("→ chạy «tracker serve» (dịch vụ thường trực)")
    assert "→ chạy «tracker db backup»" in found["cần sửa — sao lưu"]
    assert found["đạt — kênh chat"].endswith("chưa đặt token: tin nhắn ghi ra tệp nhật ký")


def test_a_ward_whose_jobs_ran_and_that_was_backed_up_is_healthy(database_url, tmp_path):
    healthy_ward(database_url, tmp_path)

    result = doctor(database_url, tmp_path)

    assert result.exit_code == 0, result.stdout
    assert all(line.startswith("đạt — ") for line in result.stdout.splitlines())


def test_the_bots_are_asked_who_they_are_and_a_webhook_not_set_is_named(database_url, tmp_path):
    healthy_ward(database_url, tmp_path)
    with FakeTelegramServer() as telegram, FakeZaloServer() as zalo:
        result = doctor(database_url, tmp_path, TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL=telegram.url,
                        ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=zalo.url,
                        TELEGRAM_WEBHOOK_URL="https://phuong.example.vn/telegram",
                        TELEGRAM_WEBHOOK_SECRET="ma-bi-mat-cua-phuong")

    found = lines(result)
    assert result.exit_code == 1
    assert "@phuong_mau_bot" in found["cần sửa — bot Telegram"] and "webhook đang là «không có»" in result.stdout
    assert found["đạt — bot Zalo"].startswith("đạt — bot Zalo: bot.PhuongMau;")


def test_a_token_the_platform_refuses_is_named_and_the_answer_is_json_on_request(database_url, tmp_path):
    healthy_ward(database_url, tmp_path)
    with FakeZaloServer() as zalo:
        result = invoke(database_url, "doctor", "--json", now=NOW, TRACKER_BACKUP_DIR=str(tmp_path / "backups"),
                        TELEGRAM_BOT_TOKEN="", ZALO_BOT_TOKEN="9876543210:khong-phai-token-cua-bot",
                        ZALO_API_BASE_URL=zalo.url)

    assert result.exit_code == 1
    checks = {check["name"]: check for check in json.loads(result.stdout)}
    assert set(checks["bot Zalo"]) == {"name", "ok", "found", "fix"}
    assert checks["bot Zalo"]["ok"] is False and checks["bot Zalo"]["fix"]
    assert "khong-phai-token" not in result.stdout


def test_each_bot_says_which_process_polls_it_and_a_wards_own_bot_is_checked_too(database_url, tmp_path):
    healthy_ward(database_url, tmp_path)
    engine = make_engine(database_url)
    try:
        claim(engine, SystemClock(), name=bot_key("telegram", TELEGRAM_TOKEN), role="poll", holder="may-1:4242:9f",
              ttl=timedelta(minutes=1))
    finally:
        engine.dispose()
    with FakeTelegramServer() as telegram, FakeTelegramServer(token=WARD_TOKEN) as ward_bot:
        telegram.add_bot(ward_bot)
        result = doctor(database_url, tmp_path, TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL=telegram.url,
                        TELEGRAM_BOT_TOKEN__PHUONG_MAU=WARD_TOKEN)

    found = lines(result)
    assert "tiến trình «may-1:4242:9f» đang nhận tin" in found["đạt — bot Telegram"]
    own = found["đạt — bot Telegram (bot riêng của phuong-mau)"]
    assert "chưa có tiến trình nào nhận tin" in own
    assert WARD_TOKEN not in result.stdout
