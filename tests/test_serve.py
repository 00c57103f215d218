"""`tracker serve`, run as the installed script in a subprocess, as a ward runs it: on a new database,
once (--once, for cron), and as a service stopped by a signal."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from fake_channel import TOKEN
from fake_telegram import FakeTelegramServer
from sqlmodel import Session, select

from app.service import configure_logging
from tracker.db import make_engine
from tracker.models import JobRun, Notification, NotificationStatus

SCRIPT = Path(sys.executable).parent / "tracker"
EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "ward.example.toml"
# Monday 14 December 2026, 08:00: the sample task due on 10/12 is overdue, the one due on 15/12 is due
# tomorrow, and Monday is the weekly summary's day.
NOW = "2026-12-14T08:00:00+07:00"
TODAY = date(2026, 12, 14)
READY_LINE = "Dịch vụ đang chạy"
NO_TOKEN_LINE = "Không có token chat: tin nhắn được ghi ra màn hình và tệp logs/outbox.log"


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    # On SQLite a file that does not exist yet, as a newcomer has; on PostgreSQL the fixture's emptied database.
    return f"sqlite:///{tmp_path / 'data' / 'tracker.db'}" if database_url.startswith("sqlite") else database_url


def environment(url: str) -> dict[str, str]:
    # Only this test's settings: no chat token, ward or person from the developer's shell.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TRACKER_") and k not in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN")}
    # The web console on a free port: several services run at once in the tests, and 8080 may be taken.
    return {**env, "TRACKER_DATABASE_URL": url, "TRACKER_CONFIG": str(EXAMPLE), "TRACKER_NOW": NOW,
            "TRACKER_WEB_LISTEN": "127.0.0.1:0", "PYTHONUNBUFFERED": "1"}


def serve_once(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), "serve", "--once"], cwd=cwd, env=environment(url), capture_output=True,
                          text=True, encoding="utf-8", stdin=subprocess.DEVNULL, timeout=180, check=False)


def rows(url: str, model):
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.exec(select(model)).all()
    finally:
        engine.dispose()


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def test_serve_once_on_a_new_database_creates_the_ward_runs_todays_jobs_and_writes_the_messages(url, tmp_path):
    result = serve_once(url, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Đã tạo cơ sở dữ liệu mới với Phường Mẫu (phường/xã mẫu, để thử) và 4 nhiệm vụ mẫu." in result.stdout
    assert "Phường Mẫu (phuong-mau): nhắc việc lúc 07:30, tổng hợp lúc 07:45" in result.stdout
    assert NO_TOKEN_LINE in result.stdout
    runs = {(row.job, row.status) for row in rows(url, JobRun) if _day(row.day) == TODAY}
    assert {("daily", "done"), ("digest", "done"), ("weekly", "done")} <= runs
    notifications = rows(url, Notification)
    assert notifications and {n.status for n in notifications} == {NotificationStatus.SENT}
    outbox = (tmp_path / "logs" / "outbox.log").read_text(encoding="utf-8")
    assert outbox.count("--- tin nhắn gửi") == len(notifications)
    for notification in notifications:
        assert notification.body in outbox and notification.body in result.stdout
    log = (tmp_path / "logs" / "tracker.log").read_text(encoding="utf-8")
    assert "Xây dựng Kế hoạch chỉnh trang đô thị" not in log  # never a message body in the log
    assert "Traceback" not in result.stderr


def test_serve_once_again_the_same_morning_sends_nothing_new(url, tmp_path):
    # Why: cron may start `serve --once` every few minutes; a second run must neither repeat a job nor
    # a message.
    assert serve_once(url, tmp_path).returncode == 0
    before = (len(rows(url, JobRun)), len(rows(url, Notification)))
    sent = (tmp_path / "logs" / "outbox.log").read_text(encoding="utf-8")

    again = serve_once(url, tmp_path)

    assert again.returncode == 0, again.stderr
    assert "Đã tạo cơ sở dữ liệu mới" not in again.stdout
    assert (len(rows(url, JobRun)), len(rows(url, Notification))) == before
    assert (tmp_path / "logs" / "outbox.log").read_text(encoding="utf-8") == sent


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_stops_on_a_signal_with_exit_code_0_and_leaves_no_message_sending(url, tmp_path, signum):
    log = tmp_path / "logs" / "tracker.log"
    with running_service(tmp_path, environment(url), tmp_path / "out.txt") as process:
        wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
        process.send_signal(signum)
        code = process.wait(timeout=120)

    assert code == 0, (tmp_path / "err.txt").read_text()
    assert "Đã dừng." in log.read_text(encoding="utf-8")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            sending = select(sa.func.count()).select_from(Notification).where(
                Notification.status == NotificationStatus.SENDING)
            assert session.exec(sending).one() == 0
            assert session.exec(select(sa.func.count()).select_from(Notification)).one() > 0
    finally:
        engine.dispose()


def test_serve_opens_the_web_console_at_the_address_it_prints(url, tmp_path):
    log = tmp_path / "logs" / "tracker.log"
    out_path = tmp_path / "out.txt"
    with running_service(tmp_path, environment(url), out_path) as process:
        wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
        address = re.search(r"Trang quản lý: (http://127\.0\.0\.1:\d+/)", out_path.read_text(encoding="utf-8"))
        assert address, out_path.read_text(encoding="utf-8")
        page = httpx.get(address.group(1) + "dang-nhap", timeout=120)
        assert page.status_code == 200 and "Khóa người dùng" in page.text
        assert httpx.get(address.group(1), timeout=120).headers["location"] == "/dang-nhap?tiep=%2F"
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=120)
    assert code == 0, (tmp_path / "err.txt").read_text()


@contextmanager
def running_service(folder: Path, env: dict[str, str], out: Path) -> Iterator[subprocess.Popen]:
    """`tracker serve` started in `folder`, its output in `out` and err.txt beside it; killed if still running
    when the block ends."""
    with out.open("w") as stdout, (folder / "err.txt").open("w") as stderr:
        process = subprocess.Popen([str(SCRIPT), "serve"], cwd=folder, env=env, stdout=stdout, stderr=stderr,
                                   stdin=subprocess.DEVNULL)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_serve_run_as_of_a_fixed_instant_answers_one_chat_after_another(url, tmp_path):
    # Why: the rate limiter read the service's clock, frozen by TRACKER_NOW, so the spacing after the first
    # reply never elapsed and every later reply waited for ever.
    log = tmp_path / "logs" / "tracker.log"
    with FakeTelegramServer() as server:
        env = {k: v for k, v in environment(url).items() if not k.startswith("TELEGRAM_")}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.url)
        with running_service(tmp_path, env, tmp_path / "out.txt") as process:
            wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
            for chat in (700000051, 700000052, 700000051):
                answered = len(server.texts_to(str(chat)))
                server.push_message(chat, "Xin chào")
                wait_for(lambda chat=chat, answered=answered: len(server.texts_to(str(chat))) > answered, process, 120)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=120) == 0


def test_serve_with_a_telegram_token_answers_chat_messages_and_stops_cleanly(url, tmp_path):
    log = tmp_path / "logs" / "tracker.log"
    stranger = 700000042
    with FakeTelegramServer() as server, (tmp_path / "err.txt").open("w") as err:
        env = {k: v for k, v in environment(url).items() if not k.startswith("TELEGRAM_")}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.url)
        process = subprocess.Popen([str(SCRIPT), "serve"], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                   stderr=err, stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
            server.push_message(stranger, "Xin chào")
            wait_for(lambda: bool(server.texts_to(str(stranger))), process, 30)
            methods = server.methods_called()
            assert methods.index("deleteWebhook") < methods.index("getUpdates")
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    assert code == 0, (tmp_path / "err.txt").read_text()
    text = log.read_text(encoding="utf-8")
    assert "Đã dừng." in text and TOKEN.split(":")[1] not in text
    assert "Traceback" not in (tmp_path / "err.txt").read_text()


WEBHOOK_URL = "https://phuong.example.vn/telegram/hook"
WEBHOOK_SECRET = "bi-mat_cua-phuong_Mau_2026"


def webhook_environment(url: str, server: FakeTelegramServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in environment(url).items() if not k.startswith("TELEGRAM_")}
    return {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
            "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET, **extra}


def post_update(address: str, server: FakeTelegramServer, chat: int, text: str) -> int:
    update = {"update_id": 900 + chat % 100, "message": server.user_message(chat, text)}
    return httpx.post(address + "telegram/hook", json=update, timeout=120,
                      headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}).status_code


def test_serve_with_a_telegram_webhook_answers_telegrams_posts_on_the_web_consoles_port(url, tmp_path):
    log = tmp_path / "logs" / "tracker.log"
    out_path = tmp_path / "out.txt"
    stranger = 700000061
    with FakeTelegramServer() as server, \
            running_service(tmp_path, webhook_environment(url, server), out_path) as process:
        wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
        wait_for(lambda: server.webhook is not None, process, 120)
        printed = out_path.read_text(encoding="utf-8")
        address = re.search(r"Trang quản lý: (http://127\.0\.0\.1:\d+/)", printed)
        assert address, printed
        assert "Webhook Telegram: nhận ở cổng của trang quản lý, đường dẫn /telegram/hook." in printed
        assert post_update(address.group(1), server, stranger, "Xin chào") == 200
        answered = bool(server.texts_to(str(stranger)))  # the answer is sent before the post is
        page = httpx.get(address.group(1) + "dang-nhap", timeout=120)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=120)
    assert code == 0, (tmp_path / "err.txt").read_text()
    assert answered and page.status_code == 200
    assert server.webhook == {"url": WEBHOOK_URL, "secret_token": WEBHOOK_SECRET}
    assert "getUpdates" not in server.methods_called()


def test_serve_with_a_webhook_address_of_its_own_serves_only_the_webhook_there(url, tmp_path):
    log = tmp_path / "logs" / "tracker.log"
    out_path = tmp_path / "out.txt"
    stranger = 700000062
    with FakeTelegramServer() as server:
        env = webhook_environment(url, server, TELEGRAM_WEBHOOK_LISTEN=f"127.0.0.1:{free_port()}")
        with running_service(tmp_path, env, out_path) as process:
            wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), process, 120)
            wait_for(lambda: server.webhook is not None, process, 120)
            printed = out_path.read_text(encoding="utf-8")
            own = re.search(r"Webhook Telegram: nghe tại (http://127\.0\.0\.1:\d+/), đường dẫn /telegram/hook", printed)
            assert own, printed
            assert post_update(own.group(1), server, stranger, "Xin chào") == 200
            answered = bool(server.texts_to(str(stranger)))
            console_page = httpx.get(own.group(1) + "dang-nhap", timeout=120)
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=120)
    assert code == 0, (tmp_path / "err.txt").read_text()
    assert answered
    assert console_page.status_code == 404  # the console's pages are not exposed where Telegram posts


def test_serve_with_a_webhook_and_the_console_off_and_no_address_stops_with_one_line(url, tmp_path):
    with FakeTelegramServer() as server:
        env = webhook_environment(url, server, TRACKER_WEB_LISTEN="off")
        result = subprocess.run([str(SCRIPT), "serve"], cwd=tmp_path, env=env, capture_output=True, text=True,
                                encoding="utf-8", stdin=subprocess.DEVNULL, timeout=180, check=False)
    assert result.returncode == 1
    assert "Webhook Telegram cần một cổng: đặt TELEGRAM_WEBHOOK_LISTEN" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert process.poll() is None, f"tracker serve stopped early with code {process.returncode}"
        time.sleep(0.1)
    raise AssertionError(f"tracker serve was not ready after {seconds} s")


@contextmanager
def service_logging(folder: Path, **options: object) -> Iterator[None]:
    """The service's logging set-up (configure_logging) for the block, the test process's own put back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging(folder, **options)  # type: ignore[arg-type]
        yield
    finally:
        for handler in [h for h in root.handlers if h not in handlers]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)


def test_a_chat_token_from_the_environment_never_reaches_the_log(tmp_path):
    # Why: an HTTP client may log the URL of a request, and a Telegram URL embeds the bot token.
    token = "987654321:AAThisIsNotARealTokenButLooksLikeOne"
    with service_logging(tmp_path / "logs", secrets=[token]):
        logging.getLogger("jobs.sender").warning("POST https://api.telegram.org/bot%s/sendMessage failed", token)
        try:
            raise RuntimeError(f"connection reset for {token}")
        except RuntimeError:
            logging.getLogger("jobs.sender").exception("send failed")

    log = (tmp_path / "logs" / "tracker.log").read_text(encoding="utf-8")
    assert "api.telegram.org/bot***/sendMessage" in log and "connection reset for ***" in log
    assert token not in log


def test_an_error_repeated_thousands_of_times_costs_a_line_and_the_log_file_rotates(tmp_path):
    # Why: with no file descriptors left asyncio logged 47,000 tracebacks in 22 s into a log never rotated.
    with service_logging(tmp_path / "logs", max_bytes=20_000, backups=2):
        for _ in range(5000):
            logging.getLogger("asyncio").error("socket.accept() out of system resource: %s", "EMFILE")
        for n in range(2000):
            logging.getLogger("jobs.sender").info("notification=%d sent", n)

    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == ["tracker.log", "tracker.log.1", "tracker.log.2"]
    text = "".join((tmp_path / "logs" / name).read_text(encoding="utf-8") for name in files)
    assert text.count("out of system resource") <= 1
    assert all((tmp_path / "logs" / name).stat().st_size <= 20_000 for name in files)


def test_the_log_tells_times_on_the_wards_clock_with_its_offset(tmp_path):
    # Why: the log wrote the machine's UTC while the outbox and the audit show the ward's time.
    with service_logging(tmp_path / "logs"):
        logging.getLogger("jobs.sender").info("một dòng nhật ký")

    line = (tmp_path / "logs" / "tracker.log").read_text(encoding="utf-8").splitlines()[-1]
    assert line.split(" ", 1)[0].endswith("+07:00") and line.endswith("một dòng nhật ký")
