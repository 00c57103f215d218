"""What `tracker serve` starts and how: the catch-up of missed jobs, the scheduler, the outbox sender, the
chat channels with their dialog, and the logging set-up. The command line (app.cli.serve_command) only
reads its options and calls run_service."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from tracker.catchup import WardTimes
from tracker.clock import Clock

if TYPE_CHECKING:
    from bots.channels import Channel
    from bots.messages import DialogLike
    from bots.ratelimit import RateLimiter
    from bots.telegram import TelegramSettings
    from bots.zalo import ZaloSettings
    from jobs.sender import Sender

log = logging.getLogger("tracker.serve")

LOG_DIR = Path("logs")
READY_LINE = "Dịch vụ đang chạy; dừng bằng Ctrl+C (hoặc SIGTERM)."
NO_TOKEN_LINE = f"Không có token chat: tin nhắn được ghi ra màn hình và tệp {LOG_DIR / 'outbox.log'}"
FALLBACK_LINE = f"Người chưa liên kết tài khoản chat: tin nhắn được ghi ra màn hình và tệp {LOG_DIR / 'outbox.log'}"
NO_DIALOG_LINE = "Chưa có phần hội thoại (bots.dialog): bot chỉ gửi tin nhắc việc, chưa trả lời tin nhắn."
SENDER_LEASE = timedelta(minutes=5)
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
CHANNEL_LABELS = {"telegram": "Telegram", "zalo": "Zalo", "log": "màn hình và tệp nhật ký"}
# Variables whose values must never reach a log line, whatever logged them (an HTTP client logging a
# URL that embeds a bot token, a traceback).
SECRET_SUFFIXES = ("_TOKEN", "_SECRET", "_PASSWORD")
QUIET_LOGGERS = ("httpx", "httpcore", "apscheduler", "telegram", "sqlalchemy", "alembic")


def ward_line(ward: WardTimes) -> str:
    """One line on when a ward is nagged."""
    p = ward.rules.policy
    return (f"{ward.name} ({ward.key}): nhắc việc lúc {p.reminder_time:%H:%M}, tổng hợp lúc {p.digest_time:%H:%M}, "
            f"báo cáo tuần {WEEKDAY_NAMES[p.weekly_summary_weekday]}, giờ hành chính {p.office_hours_start:%H:%M}"
            f"–{p.office_hours_end:%H:%M} ({ward.rules.zone.key}).")


def channel_lines(channels: Mapping[str, Channel]) -> list[str]:
    """One line per active channel; without any chat channel, the line saying where messages go."""
    chats = [name for name in channels if name != "log"]
    if not chats:
        return [NO_TOKEN_LINE]
    return [*(f"Kênh {CHANNEL_LABELS.get(name, name)}: đang bật." for name in chats), FALLBACK_LINE]


async def run_service(engine: Engine, clock: Clock, channels: Mapping[str, Channel], *, once: bool,
                      telegram: TelegramSettings | None = None, zalo: ZaloSettings | None = None) -> None:
    """Run until SIGTERM or SIGINT (or, with `once`, until nothing is due): catch up, schedule, send, answer
    chats; the channels are closed at the end."""
    try:
        await _run(engine, clock, channels, once=once, telegram=telegram, zalo=zalo)
    finally:
        await _close_channels(channels)


async def _run(engine: Engine, clock: Clock, channels: Mapping[str, Channel], *, once: bool,
               telegram: TelegramSettings | None, zalo: ZaloSettings | None = None) -> None:
    from bots.ratelimit import RateLimiter, RateLimits
    from jobs.scheduler import catch_up, make_scheduler, schedule_wards
    from jobs.sender import Sender

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    report = await asyncio.to_thread(catch_up, engine, clock, at=clock.now())
    log.info("Đã bù các việc đến giờ: %d lượt chạy.", len(report.outcomes))
    limiter = RateLimiter(RateLimits(), clock)  # one per token set: the sender and the bots share it
    sender = Sender(engine, clock, channels, name=_sender_name(), lease=SENDER_LEASE, limiter=limiter)
    if once:
        handled = await _send_due(sender, stop)
        log.info("Đã xử lý %d tin đến hạn; dừng (--once).", handled)
        return
    if stop.is_set():
        return
    scheduler = make_scheduler()
    await asyncio.to_thread(schedule_wards, scheduler, engine, clock)
    scheduler.start()
    sending = asyncio.create_task(sender.run(stop))
    chats = _chat_bots(engine, clock, channels, telegram, limiter) + _zalo_bots(engine, clock, channels, zalo)
    log.info(READY_LINE)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({sending, stopping}, return_when=asyncio.FIRST_COMPLETED)
    log.info("Đang dừng: chờ tin đang gửi xong.")
    stop.set()
    scheduler.shutdown(wait=False)
    for chat in chats:
        chat.cancel()  # a bot finishes the message in hand, then stops
    await asyncio.gather(*chats, return_exceptions=True)
    await sending
    log.info("Đã dừng.")


def _chat_bots(engine: Engine, clock: Clock, channels: Mapping[str, Channel],
               telegram: TelegramSettings | None, limiter: RateLimiter | None = None) -> list[asyncio.Task[None]]:
    """The tasks that receive chat messages and answer them through the dialog: Telegram's, when its token
    is set and the dialog is there. Each runs until cancelled; one that fails is logged, and the
    scheduler and the sender go on."""
    if telegram is None or "telegram" not in channels:
        return []
    from bots.telegram import TelegramChannel
    from bots.telegram_inbound import file_fetcher, run_telegram

    channel = channels["telegram"]
    if not isinstance(channel, TelegramChannel):
        return []
    dialog = load_dialog(engine, clock, files={"telegram": file_fetcher(channel, asyncio.get_running_loop())})
    if dialog is None:
        return []
    task = asyncio.create_task(run_telegram(channel, telegram, dialog, limiter=limiter), name="telegram")
    task.add_done_callback(_report_end)
    return [task]


def _zalo_bots(engine: Engine, clock: Clock, channels: Mapping[str, Channel],
               zalo: ZaloSettings | None) -> list[asyncio.Task[None]]:
    """The task that receives Zalo messages and answers them through a dialog without buttons or files,
    when ZALO_BOT_TOKEN is set and the dialog is there; like Telegram's, one that fails is logged."""
    if zalo is None or "zalo" not in channels:
        return []
    from bots.zalo import ZaloChannel
    from bots.zalo_inbound import run_zalo

    channel = channels["zalo"]
    if not isinstance(channel, ZaloChannel):
        return []
    dialog = load_dialog(engine, clock, plain=True)
    if dialog is None:
        return []
    task = asyncio.create_task(run_zalo(channel, zalo, dialog), name="zalo")
    task.add_done_callback(_report_end)
    return [task]


def load_dialog(engine: Engine, clock: Clock, *, files: Mapping[str, Callable[[str, int], bytes]] | None = None,
                plain: bool = False) -> DialogLike | None:
    """The channel-agnostic dialog (bots.dialog), fetching the files people send through `files` (by
    channel); `plain`: for a channel without buttons or files (Zalo). None, with one log line, when that
    package is not installed: the service then sends reminders but answers no message."""
    try:
        from bots.dialog import ChannelCaps, Dialog
    except ModuleNotFoundError as exc:
        if exc.name != "bots.dialog":
            raise
        log.warning(NO_DIALOG_LINE)
        return None
    caps = ChannelCaps(buttons=False, files=False) if plain else None
    return Dialog(engine, clock, files=files, channel_caps=caps)


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        log.error("Kênh %s ngừng nhận tin nhắn: %s: %s", task.get_name(), type(exc).__name__, exc)


async def _close_channels(channels: Mapping[str, Channel]) -> None:
    """Close the connections of the channels that hold some (those with `aclose`)."""
    for channel in channels.values():
        close = getattr(channel, "aclose", None)
        if close is not None:
            try:
                await close()
            except Exception as exc:  # closing must not hide why the service stopped
                log.warning("Không đóng được kênh %s: %s", channel.name, type(exc).__name__)


async def _send_due(sender: Sender, stop: asyncio.Event) -> int:
    """Send until nothing is due any more (a message put back for a later retry is not due) or a signal
    came; each send finishes before the next check. Returns how many rows were handled."""
    handled = 0
    while not stop.is_set() and await sender.send_one():
        handled += 1
    return handled


def _sender_name() -> str:
    # A random part too: host and pid repeat across container restarts (pid 1), and a sender must give
    # back only its own claims.
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[-64:]


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The values of the environment's secrets (tokens, passwords) that logging must mask."""
    return [value for name, value in environ.items() if name.endswith(SECRET_SUFFIXES) and len(value) >= 6]


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then replaces every secret value (tracebacks included) with ***."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def configure_logging(folder: Path, *, secrets: Iterable[str] = ()) -> None:
    """Log INFO and above to stderr and to folder/tracker.log, one line per event, secrets masked.
    Called by the entry point only; calling it again replaces the handlers it added."""
    folder.mkdir(parents=True, exist_ok=True)
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "tracker_serve", False)]:
        root.removeHandler(handler)
        handler.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr),
                                       logging.FileHandler(folder / "tracker.log", encoding="utf-8")]
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.tracker_serve = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
