"""Wards with a bot of their own (bots/ward_bots.py): tokens from the environment or a file only its owner
reads, refused in one Vietnamese line when wrong; and `tracker serve` answering each bot's chats and
sending each ward's reminders through the bot its people bound, against the loopback fake Bot API."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import httpx
import pytest
from builders import make_ward, person
from fake_channel import TOKEN
from fake_telegram import FakeTelegramServer
from sqlmodel import Session, select
from test_serve import (
    READY_LINE,
    SCRIPT,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    environment,
    running_service,
    wait_for,
    webhook_environment,
)
from test_serve_processes import GENEROUS, NOW, services, wait_until

from bots.channels import bots_settings
from bots.ward_bots import FILE_VARIABLE
from tracker import outbox
from tracker.clock import FixedClock, SystemClock
from tracker.errors import ConfigError
from tracker.leases import holders
from tracker.models import ChatIdentity, Notification, Organization
from tracker.usecases.people import OTHER_WARDS_BOT, issue_invite

WARD_TOKEN = "7654321:ward-own-bot-token-abcdefghijklmno"
WARDS = ("phuong-mau", "xa-song-hong")


@pytest.fixture
def settings_from(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """bots_settings for the two wards with only the given variables (and the deployment's token) set."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "ZALO_")) or name == FILE_VARIABLE:
            monkeypatch.delenv(name)

    def read(**variables: str):  # type: ignore[no-untyped-def]
        for name, value in {"TELEGRAM_BOT_TOKEN": TOKEN, **variables}.items():
            monkeypatch.setenv(name, value)
        return bots_settings(WARDS)

    return read


def secrets_file(folder: Path, text: str, mode: int = 0o600) -> Path:
    path = folder / "bots.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_a_wards_token_comes_from_the_environment_and_names_its_own_bot(settings_from):
    found = settings_from(TELEGRAM_BOT_TOKEN__XA_SONG_HONG=WARD_TOKEN)

    assert sorted(found) == ["telegram", "telegram/xa-song-hong"]
    assert found["telegram/xa-song-hong"].bot_token.get_secret_value() == WARD_TOKEN
    assert found["telegram"].bot_token.get_secret_value() == TOKEN


def test_a_wards_token_comes_from_a_file_only_its_owner_reads_and_the_environment_wins(settings_from, tmp_path):
    path = secrets_file(tmp_path, '[phuong-mau]\ntelegram_bot_token = "1111111:from-the-file-abcdefghijklmnopq"\n'
                                  '[xa-song-hong]\ntelegram_bot_token = "2222222:from-the-file-abcdefghijklmnopq"\n')
    found = settings_from(**{FILE_VARIABLE: str(path)}, TELEGRAM_BOT_TOKEN__PHUONG_MAU=WARD_TOKEN)

    assert found["telegram/phuong-mau"].bot_token.get_secret_value() == WARD_TOKEN
    assert found["telegram/xa-song-hong"].bot_token.get_secret_value().startswith("2222222:")


def test_a_ward_bot_takes_the_deployments_webhook_under_its_own_path(settings_from):
    found = settings_from(TELEGRAM_WEBHOOK_URL="https://bot.example/telegram", TELEGRAM_WEBHOOK_SECRET="s3cret-s3cret",
                          TELEGRAM_BOT_TOKEN__PHUONG_MAU=WARD_TOKEN)

    assert found["telegram/phuong-mau"].webhook_url == "https://bot.example/telegram/phuong-mau"
    assert found["telegram"].webhook_url == "https://bot.example/telegram"


@pytest.mark.parametrize(("text", "mode", "extra", "expected"), [
    ('[phuong-mau]\ntelegram_bot_token = "x"\n', 0o644, {}, "chmod 600"),
    ('[phuong-la]\ntelegram_bot_token = "1111111:abcdefghijklmnopqrstuvwxyz"\n', 0o600, {}, "«phuong-la»"),
    ('[phuong-mau]\ntelegram_token = "1111111:abcdefghijklmnopqrstuvwxyz"\n', 0o600, {}, "chỉ được có"),
    ("[phuong-mau\n", 0o600, {}, "không đúng dạng TOML"),
    ("", 0o600, {"TELEGRAM_BOT_TOKEN__PHUONG_LA": WARD_TOKEN}, "TELEGRAM_BOT_TOKEN__PHUONG_LA"),
    ('[phuong-mau]\ntelegram_bot_token = "not-a-token"\n', 0o600, {}, "Bot riêng của phường/xã «phuong-mau»"),
])
def test_a_wrong_ward_bot_setting_is_refused_in_one_line_without_the_token(settings_from, tmp_path, text, mode,
                                                                           extra, expected):
    path = secrets_file(tmp_path, text, mode)

    with pytest.raises(ConfigError) as refused:
        settings_from(**{FILE_VARIABLE: str(path)}, **extra)

    assert expected in refused.value.message and "\n" not in refused.value.message
    assert "abcdefghijklmnopqrstuvwxyz" not in refused.value.message and "not-a-token" not in refused.value.message


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    """The service's database: a new SQLite file, or the fixture's emptied PostgreSQL database."""
    return f"sqlite:///{tmp_path / 'tracker.db'}" if database_url.startswith("sqlite") else database_url


def test_serve_with_a_file_readable_by_others_stops_with_one_line(url, tmp_path):
    path = secrets_file(tmp_path, f'[phuong-mau]\ntelegram_bot_token = "{WARD_TOKEN}"\n', 0o640)

    done = subprocess.run([str(SCRIPT), "serve", "--once"], cwd=tmp_path, capture_output=True, text=True,
                          env={**environment(url), FILE_VARIABLE: str(path)}, stdin=subprocess.DEVNULL,
                          timeout=GENEROUS, check=False)

    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "chmod 600" in done.stderr
    assert WARD_TOKEN not in done.stderr + done.stdout


def ward_id(session: Session, key: str) -> int:
    return session.exec(select(Organization.id).where(Organization.key == key)).one() or 0


def invite_code(session: Session, clock: FixedClock, ward: str, person_key: str) -> str:
    org_id = ward_id(session, ward)
    code = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                        person_id=person(session, org_id, person_key).id or 0).code
    session.commit()
    return code


def sent(engine, kind: str) -> bool:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        statuses = session.exec(select(Notification.status).where(Notification.kind == kind)).all()
    return bool(statuses) and set(statuses) == {"sent"}


def test_a_wards_own_bot_binds_its_people_and_carries_their_messages_apart_from_the_deployments_bot(
    engine, session, database_url, tmp_path
):
    clock = FixedClock(NOW)
    for key in WARDS:
        make_ward(session, clock, key=key)
    mau_head, hong_head = invite_code(session, clock, "phuong-mau", "tp-vhxh"), invite_code(
        session, clock, "xa-song-hong", "tp-vhxh")
    hong_other = invite_code(session, clock, "xa-song-hong", "tp-kthtdt")
    path = secrets_file(tmp_path, f'[phuong-mau]\ntelegram_bot_token = "{WARD_TOKEN}"\n')
    with FakeTelegramServer() as deployment_bot, FakeTelegramServer(token=WARD_TOKEN) as ward_bot:
        deployment_bot.add_bot(ward_bot)
        with services(1, database_url, deployment_bot, tmp_path, extra={FILE_VARIABLE: str(path)}) as processes:
            # The same Telegram user (chat 555) talks to both bots: two chats, two bindings.
            ward_bot.push_message(555, f"/start {mau_head}")
            deployment_bot.push_message(555, f"/start {hong_head}")
            ward_bot.push_message(556, f"/start {hong_other}")
            wait_until(lambda: bool(ward_bot.texts_to("555") and deployment_bot.texts_to("555")
                                    and ward_bot.texts_to("556")), processes, "the bots' answers")
            polled = {(held.role, held.name.rpartition(":")[0]) for held in holders(engine, SystemClock())}
            for key in WARDS:
                org_id = ward_id(session, key)
                outbox.enqueue(session, clock=clock, org_id=org_id, person_id=person(session, org_id, "tp-vhxh").id,
                               kind="thu", day=NOW.date(), body=f"Tin cho {key}", key=f"thu:{key}")
            session.commit()
            wait_until(lambda: sent(engine, "thu"), processes, "the messages sent")

    assert OTHER_WARDS_BOT in ward_bot.texts_to("556")[-1]
    assert polled >= {("poll", "telegram"), ("poll", "telegram/phuong-mau")}
    with Session(engine) as check:
        bound = sorted(check.exec(select(ChatIdentity.external_id)).all())
    assert bound == ["555", "phuong-mau/555"]
    assert "Tin cho phuong-mau" in ward_bot.texts_to("555")
    assert "Tin cho xa-song-hong" in deployment_bot.texts_to("555")
    assert "Tin cho phuong-mau" not in deployment_bot.texts_to("555")
    assert "Tin cho xa-song-hong" not in ward_bot.texts_to("555")


def test_a_wards_own_bot_takes_its_webhook_at_the_deployments_address_under_the_wards_key(url, tmp_path):
    log, out_path, stranger = tmp_path / "logs" / "tracker.log", tmp_path / "out.txt", 700000071
    with FakeTelegramServer() as deployment_bot, FakeTelegramServer(token=WARD_TOKEN) as ward_bot:
        deployment_bot.add_bot(ward_bot)
        env = webhook_environment(url, deployment_bot, TELEGRAM_BOT_TOKEN__PHUONG_MAU=WARD_TOKEN)
        with running_service(tmp_path, env, out_path) as process:
            wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, GENEROUS)
            wait_for(lambda: ward_bot.webhook is not None and deployment_bot.webhook is not None, process, GENEROUS)
            printed = out_path.read_text(encoding="utf-8")
            console = re.search(r"Trang quản lý: (http://127\.0\.0\.1:\d+/)", printed)
            assert console, printed
            update = {"update_id": 901, "message": ward_bot.user_message(stranger, "Xin chào")}
            posted = httpx.post(f"{console.group(1)}telegram/hook/phuong-mau", json=update, timeout=GENEROUS,
                                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=GENEROUS) == 0

    assert posted.status_code == 200
    assert ward_bot.webhook == {"url": f"{WEBHOOK_URL}/phuong-mau", "secret_token": WEBHOOK_SECRET}
    assert ward_bot.texts_to(str(stranger)) and not deployment_bot.texts_to(str(stranger))
    assert "Webhook Telegram (bot riêng của phuong-mau): nhận ở cổng của trang quản lý, đường dẫn " \
           "/telegram/hook/phuong-mau." in printed
