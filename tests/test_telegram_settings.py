"""The Telegram settings read at start-up (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL) and the channels
jobs.sender.build_channels makes of them: the channel on or off, and a wrong value stopping `tracker serve`
with one Vietnamese line that never repeats the secret."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_channel import TOKEN
from fake_telegram import FakeTelegramServer, send

from bots.telegram import TelegramChannel, TelegramSettings, load_telegram_settings
from jobs.sender import build_channels
from tracker.errors import ConfigError

SECRET = TOKEN.split(":")[1]


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as fake:
        yield fake


def test_the_telegram_channel_is_built_when_the_token_is_set(server, monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"{server.url}/bot")  # python-telegram-bot's convention

    channels = build_channels(tmp_path / "outbox.log")

    assert sorted(channels) == ["log", "telegram"]
    telegram = channels["telegram"]
    assert isinstance(telegram, TelegramChannel)
    send(telegram, "1001", "Xin chào.")
    assert server.texts_to("1001") == ["Xin chào."]


@pytest.mark.parametrize("token", [None, "", "   "], ids=["absent", "empty", "blank"])
def test_without_a_token_only_the_log_channel_is_built(monkeypatch, tmp_path, token):
    monkeypatch.delenv("TELEGRAM_API_BASE_URL", raising=False)
    if token is None:
        monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    else:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)

    assert list(build_channels(tmp_path / "outbox.log")) == ["log"]


def test_settings_given_by_the_caller_take_the_place_of_the_environment(server, monkeypatch, tmp_path):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not a token")

    given = {"telegram": TelegramSettings(bot_token=TOKEN, api_base_url=server.url)}

    channels = build_channels(tmp_path / "outbox.log", given)

    assert sorted(channels) == ["log", "telegram"]


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("TELEGRAM_BOT_TOKEN", "123456789", "TELEGRAM_BOT_TOKEN không đúng dạng"),
        ("TELEGRAM_BOT_TOKEN", f"bot{TOKEN}", "TELEGRAM_BOT_TOKEN không đúng dạng"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org", "TELEGRAM_API_BASE_URL phải là địa chỉ"),
        ("TELEGRAM_API_BASE_URL", "ftp://127.0.0.1:8081", "TELEGRAM_API_BASE_URL phải là địa chỉ"),
        ("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot?x=1", "TELEGRAM_API_BASE_URL phải là địa chỉ"),
        ("TELEGRAM_API_BASE_URL", f"https://api.telegram.org/bot{TOKEN}", "không được chứa token"),
        ("TELEGRAM_WEBHOOK_URL", "phuong.example.vn/telegram", "TELEGRAM_WEBHOOK_URL phải là địa chỉ"),
        ("TELEGRAM_WEBHOOK_URL", "https://phuong.example.vn/telegram", "phải đặt TELEGRAM_WEBHOOK_SECRET"),
        ("TELEGRAM_WEBHOOK_SECRET", "AAFakeToken có dấu cách", "TELEGRAM_WEBHOOK_SECRET phải gồm 1 đến 256"),
        ("TELEGRAM_WEBHOOK_SECRET", "AAFakeToken" * 24, "TELEGRAM_WEBHOOK_SECRET phải gồm 1 đến 256"),
        ("TELEGRAM_WEBHOOK_LISTEN", "8443", "TELEGRAM_WEBHOOK_LISTEN phải có dạng"),
        ("TELEGRAM_WEBHOOK_LISTEN", "0.0.0.0:70000", "TELEGRAM_WEBHOOK_LISTEN phải có dạng"),
    ],
    ids=["token-without-secret", "token-with-prefix", "url-without-scheme", "url-ftp", "url-query", "url-with-token",
         "webhook-without-scheme", "webhook-without-secret", "secret-with-spaces", "secret-too-long",
         "listen-without-host", "listen-port-too-big"],
)
def test_a_wrong_telegram_setting_stops_the_start_with_a_vietnamese_message_that_hides_it(
    monkeypatch, tmp_path, variable, value, words
):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigError) as raised:
        build_channels(tmp_path / "outbox.log")

    message = str(raised.value)
    assert message.startswith("Cấu hình Telegram chưa đúng.") and words in message
    assert SECRET not in message and "AAFakeToken" not in message


def test_webhook_settings_give_the_public_url_the_secret_and_where_to_listen(monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", " https://phuong.example.vn/telegram/hook ")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "bi-mat_Phuong_Mau")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_LISTEN", "[::1]:9000")

    settings = load_telegram_settings()

    assert settings.webhook_url == "https://phuong.example.vn/telegram/hook"
    assert settings.webhook_secret is not None and settings.webhook_secret.get_secret_value() == "bi-mat_Phuong_Mau"
    assert settings.webhook_listener == "[::1]:9000"
    assert "bi-mat_Phuong_Mau" not in repr(settings)


def test_a_webhook_without_an_address_of_its_own_is_served_on_the_web_consoles(monkeypatch):
    monkeypatch.delenv("TELEGRAM_WEBHOOK_LISTEN", raising=False)

    settings = load_telegram_settings(bot_token=TOKEN, webhook_url="https://phuong.example.vn/telegram/hook",
                                      webhook_secret="bi-mat_Phuong_Mau")

    assert settings.webhook_listener == ""


def test_without_a_webhook_url_updates_come_by_polling_and_nothing_listens(monkeypatch):
    for name in ("TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1:9000")

    settings = load_telegram_settings(bot_token=TOKEN)

    assert (settings.webhook_url, settings.webhook_secret, settings.webhook_listener) == (None, None, None)


def test_tracker_serve_with_a_wrong_token_stops_at_start_up_with_one_line(database_url, tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if database_url.startswith("sqlite") else database_url
    shell = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "TELEGRAM_"))}
    env = {**shell, "TRACKER_DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": "123456789:tooShortSecret",
           "TRACKER_CONFIG": str(Path(__file__).resolve().parent.parent / "config" / "ward.example.toml"),
           "TRACKER_NOW": "2026-05-18T08:00:00+07:00"}

    done = subprocess.run([str(Path(sys.executable).parent / "tracker"), "serve", "--once"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=180, check=False)

    assert done.returncode == 1
    assert "TELEGRAM_BOT_TOKEN không đúng dạng token Telegram" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "tooShortSecret" not in done.stdout + done.stderr + (tmp_path / "logs" / "tracker.log").read_text("utf-8")
