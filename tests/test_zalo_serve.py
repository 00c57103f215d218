"""`tracker serve` with both chat tokens: Telegram and Zalo answered side by side in one process, against
the fake Bot APIs, and both channels closed when it stops."""

from __future__ import annotations

import signal
import subprocess

from fake_channel import TOKEN as TELEGRAM_TOKEN
from fake_telegram import FakeTelegramServer
from fake_zalo import TOKEN as ZALO_TOKEN
from fake_zalo import FakeZaloServer
from test_serve import READY_LINE, SCRIPT, environment, url, wait_for

__all__ = ["url"]  # the fixture, shared with test_serve


def test_serve_with_both_tokens_answers_on_telegram_and_on_zalo(url, tmp_path):
    log = tmp_path / "logs" / "tracker.log"
    with FakeTelegramServer() as telegram, FakeZaloServer() as zalo, (tmp_path / "err.txt").open("w") as err:
        env = {k: v for k, v in environment(url).items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
        env.update(TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_BASE_URL=telegram.url,
                   ZALO_BOT_TOKEN=ZALO_TOKEN, ZALO_API_BASE_URL=zalo.url)
        process = subprocess.Popen([str(SCRIPT), "serve"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                   stderr=err, stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
            telegram.push_message(700000042, "Xin chào")
            zalo.push_text("zalo-nguoi-la", "Xin chào")
            wait_for(lambda: bool(telegram.texts_to("700000042")) and bool(zalo.texts_to("zalo-nguoi-la")),
                     process, 30)
            methods = zalo.methods_called()
            assert methods.index("deleteWebhook") < methods.index("getUpdates")
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=40)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert code == 0, (tmp_path / "err.txt").read_text()
    assert "mã mời" in zalo.texts_to("zalo-nguoi-la")[0]
    text = log.read_text(encoding="utf-8")
    assert "Đã dừng." in text and ZALO_TOKEN.split(":")[1] not in text and TELEGRAM_TOKEN.split(":")[1] not in text
    assert "Traceback" not in (tmp_path / "err.txt").read_text()
