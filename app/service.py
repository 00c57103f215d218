"""What `tracker serve` starts and how: the catch-up of missed jobs, the scheduler, the outbox sender, the
chat channels with their dialog, and the logging set-up. The command line (app.cli.serve_command) only
reads its options and calls run_service."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from tracker.catchup import WardTimes
from tracker.channels import chat_channels
from tracker.clock import WARD_TZ, Clock, SystemClock

if TYPE_CHECKING:
    from app.web.listener import HttpListener
    from bots.channels import Channel
    from bots.plugin import ChannelSettings, InboundContext
    from bots.webhook_endpoint import WebhookRoutes
    from jobs.scheduler import BackupPlan
    from jobs.sender import Sender

log = logging.getLogger("tracker.serve")

LOG_DIR = Path("logs")
READY_LINE = "Dịch vụ đang chạy; dừng bằng Ctrl+C (hoặc SIGTERM)."
NO_TOKEN_LINE = f"Không có token chat: tin nhắn được ghi ra màn hình và tệp {LOG_DIR / 'outbox.log'}"
FALLBACK_LINE = f"Người chưa liên kết tài khoản chat: tin nhắn được ghi ra màn hình và tệp {LOG_DIR / 'outbox.log'}"
SENDER_LEASE = timedelta(minutes=5)
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 5
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
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
    from bots.ward_bots import bot_label, split_bot_name

    chats = [name for name in channels if split_bot_name(name)[0] in chat_channels()]
    if not chats:
        return [NO_TOKEN_LINE]
    return [*(f"Kênh {bot_label(name)}: đang bật." for name in chats), FALLBACK_LINE]


async def run_service(engine: Engine, clock: Clock, channels: Mapping[str, Channel], *, once: bool,
                      settings: Mapping[str, ChannelSettings] | None = None,
                      backups: BackupPlan | None = None, listeners: Sequence[HttpListener] = (),
                      webhooks: WebhookRoutes | None = None) -> None:
    """Run until SIGTERM or SIGINT (or, with `once`, until nothing is due): catch up, schedule, send, and
    answer the chats of every channel plug-in that has its `settings` and its sender channel in `channels`;
    the channels are closed at the end. With `backups`, the whole database is backed up every night; the
    `listeners` (the web console, the webhooks' own addresses) are served, and the bots in webhook mode
    answer among `webhooks`, which those listeners serve (not with `once`)."""
    try:
        await _run(engine, clock, channels, once=once, settings=settings or {}, backups=backups,
                   listeners=listeners, webhooks=webhooks)
    finally:
        await _close_channels(channels)


async def _run(engine: Engine, clock: Clock, channels: Mapping[str, Channel], *, once: bool,
               settings: Mapping[str, ChannelSettings], backups: BackupPlan | None,
               listeners: Sequence[HttpListener], webhooks: WebhookRoutes | None) -> None:
    from bots.plugin import InboundContext
    from bots.poll_lease import PollLeases
    from bots.shared_pace import SharedRateLimiter
    from jobs.scheduler import catch_up, make_scheduler, schedule_wards
    from jobs.sender import Sender

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    report = await asyncio.to_thread(catch_up, engine, clock, at=clock.now())
    log.info("Đã bù các việc đến giờ: %d lượt chạy.", len(report.outcomes))
    # The sender and the bots share it, and every process of the service shares its window through the
    # database. It paces in real seconds, whatever instant the service runs "as of" (TRACKER_NOW): with a
    # frozen clock the spacing would never elapse.
    limiter = SharedRateLimiter(engine, SystemClock())
    name = _process_name()
    sender = Sender(engine, clock, channels, name=name, lease=SENDER_LEASE, limiter=limiter,
                    liveness=SystemClock())
    if once:
        handled = await _send_due(sender, stop)
        log.info("Đã xử lý %d tin đến hạn; dừng (--once).", handled)
        return
    if stop.is_set():
        return
    scheduler = make_scheduler()
    plan = dataclasses.replace(backups, holder=name) if backups is not None else None
    await asyncio.to_thread(schedule_wards, scheduler, engine, clock, plan)
    scheduler.start()
    sending = asyncio.create_task(sender.run(stop))
    # Listening first: a bot's setWebhook makes the platform post at once.
    serving = [asyncio.create_task(listener.serve(stop), name=listener.name) for listener in listeners]
    for task in serving:
        task.add_done_callback(_report_listener_end)
    leases = PollLeases(engine, SystemClock(), holder=name)
    chats = _inbound(channels, settings, InboundContext(engine, clock, limiter, webhooks, leases))
    # What start-up loaded lives as long as the service: kept out of the collector's way, a full collection
    # during a request walks only what requests made (it doubled the web console's slowest answers).
    gc.collect()
    gc.freeze()
    log.info(READY_LINE)
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({sending, stopping}, return_when=asyncio.FIRST_COMPLETED)
    log.info("Đang dừng: chờ tin đang gửi xong.")
    stop.set()
    scheduler.shutdown(wait=False)
    for chat in chats:
        chat.cancel()  # a bot finishes the message in hand, then stops
    await asyncio.gather(*chats, return_exceptions=True)
    await asyncio.gather(*serving, return_exceptions=True)
    await sending
    log.info("Đã dừng.")


def _inbound(channels: Mapping[str, Channel], settings: Mapping[str, ChannelSettings],
             context: InboundContext) -> list[asyncio.Task[None]]:
    """The tasks that receive chat messages and answer them through the dialog: one per bot in `settings`
    (the deployment's and the wards' own) whose plug-in receives (has `serve`) and that has a sender
    channel. Each runs until cancelled; one
    that fails is logged, and the scheduler and the sender go on."""
    from bots.channels import plugin_of
    from bots.ward_bots import split_bot_name

    tasks = []
    for name, bot in settings.items():
        plugin = plugin_of(name)
        if plugin is None or plugin.serve is None or name not in channels:
            continue
        _channel, ward = split_bot_name(name)
        task = asyncio.create_task(plugin.serve(channels[name], bot, dataclasses.replace(context, ward=ward)),
                                   name=name)
        task.add_done_callback(_report_end)
        tasks.append(task)
    return tasks


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        log.error("Kênh %s ngừng nhận tin nhắn: %s: %s", task.get_name(), type(exc).__name__, exc)


def _report_listener_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        log.error("%s ngừng phục vụ: %s: %s", task.get_name(), type(exc).__name__, exc)


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


def _process_name() -> str:
    # Names this process's outbox claims and poll leases. A random part too: host and pid repeat across
    # container restarts (pid 1), and a process must give back only its own claims.
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[-64:]


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """The values of the environment's secrets (tokens, passwords) that logging must mask."""
    return [value for name, value in environ.items() if name.endswith(SECRET_SUFFIXES) and len(value) >= 6]


class RedactingFormatter(logging.Formatter):
    """Formats as usual, with times on the ward's clock and its offset ("2026-05-18T07:30:02+07:00", as the
    outbox and the audit show them, not the machine's UTC), then replaces every secret value (tracebacks
    included) with ***."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created, WARD_TZ).isoformat(timespec="seconds")

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class RepeatFilter(logging.Filter):
    """Lets the same message (logger, level and text) through at most once per
    `every` seconds; the next one that passes says how many were held back. A fault that repeats many
    times a second (no file descriptors left, a client hammering the webhook) then costs a line a minute,
    not a disk."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.every, self.clock = every, clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        # Every handler asks about the same record: the first answer holds for all of them.
        decided = getattr(record, "tracker_repeat", None)
        if decided is None:
            decided = record.tracker_repeat = self._decide(record)  # type: ignore[attr-defined]
        return bool(decided)

    def _decide(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.getMessage())
        now = self.clock()
        last, held = self._seen.get(key, (-self.every, 0))
        if now - last < self.every:
            self._seen[key] = (last, held + 1)
            return False
        if held:
            record.msg, record.args = f"{key[2]} (thêm {held} lần như vậy trong {self.every:g} giây qua)", None
        self._seen[key] = (now, 0)
        if len(self._seen) > 10_000:
            self._seen.clear()
        return True


def configure_logging(folder: Path, *, secrets: Iterable[str] = (), max_bytes: int = LOG_MAX_BYTES,
                      backups: int = LOG_BACKUPS) -> None:
    """Log INFO and above to stderr and to folder/tracker.log, one line per event, secrets masked, the same
    message at most once a minute (RepeatFilter), the file rotated at `max_bytes` with `backups` older
    files kept. Called by the entry point only; calling it again replaces the handlers it added."""
    folder.mkdir(parents=True, exist_ok=True)
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "tracker_serve", False)]:
        root.removeHandler(handler)
        handler.close()
    repeats = RepeatFilter()
    handlers: list[logging.Handler] = [
        logging.StreamHandler(sys.stderr),
        RotatingFileHandler(folder / "tracker.log", maxBytes=max_bytes, backupCount=backups, encoding="utf-8"),
    ]
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(repeats)
        handler.tracker_serve = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
