"""`tracker serve`: the running service (scheduler, sender, chat channels), and the database preparation
that `tracker start` shares with it."""

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
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy.engine import Engine
from sqlmodel import select

from tracker.catchup import WardTimes, ward_times
from tracker.cli.context import CliState, state
from tracker.cli.render import console
from tracker.clock import Clock
from tracker.config import load_ward_file
from tracker.db import session_scope
from tracker.migrate import current_revision, head_revision, upgrade
from tracker.models import Organization
from tracker.usecases import apply_ward_config, load_sample_tasks, person_in_ward

if TYPE_CHECKING:
    from bots.channels import Channel
    from bots.ratelimit import RateLimiter
    from bots.telegram import TelegramSettings
    from bots.telegram_inbound import DialogLike
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


def prepare_database(st: CliState) -> str | None:
    """Bring the schema to the latest version; on a database with no ward, load the ward file
    (TRACKER_CONFIG) with its sample tasks. Returns the line announcing a newly created ward, or None
    when the database already had one. Safe to run on every start."""
    engine = st.engine()
    if current_revision(engine) != head_revision(engine):
        upgrade(engine)
    with session_scope(engine) as session:
        if session.exec(select(Organization)).first() is not None:
            return None
        ward = load_ward_file(st.settings.config)
        report = apply_ward_config(session, clock=st.clock(), config=ward)
        admin = person_in_ward(session, org_id=report.organization.id or 0, ref=ward.ward.admin)
        count = load_sample_tasks(session, clock=st.clock(), config=ward, actor=admin)
        return f"Đã tạo cơ sở dữ liệu mới với {report.organization.name} và {count} nhiệm vụ mẫu."


def serve(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Chỉ bù các việc đã đến giờ, gửi tin đang chờ rồi thoát "
                                                      "(dùng với cron hoặc để thử).")] = False,
) -> None:
    """Chạy dịch vụ: nhắc việc theo lịch của từng phường/xã và gửi tin nhắn."""
    # The scheduler, the sender and the chat libraries are loaded by this command only: every other
    # command starts without them.
    from bots.telegram import load_telegram_settings
    from bots.zalo import load_zalo_settings
    from jobs.sender import build_channels

    configure_logging(LOG_DIR, secrets=_secret_values(os.environ))
    st = state(ctx)
    created = prepare_database(st)
    if created:
        console.print(created)
    engine, clock = st.engine(), st.clock()
    channels = build_channels(st.settings, LOG_DIR / "outbox.log")
    # The same settings build_channels used: the webhook's, if any, go with the token.
    telegram = (getattr(st.settings, "telegram", None) or load_telegram_settings()) if "telegram" in channels else None
    zalo = (getattr(st.settings, "zalo", None) or load_zalo_settings()) if "zalo" in channels else None
    with session_scope(engine) as session:
        wards = ward_times(session)
    for line in [*(ward_line(ward) for ward in wards), *channel_lines(channels)]:
        console.print(line)
    asyncio.run(_serve(engine, clock, channels, once=once, telegram=telegram, zalo=zalo))


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


async def _serve(engine: Engine, clock: Clock, channels: Mapping[str, Channel], *, once: bool,
                 telegram: TelegramSettings | None = None, zalo: ZaloSettings | None = None) -> None:
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


def _secret_values(environ: Mapping[str, str]) -> list[str]:
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
