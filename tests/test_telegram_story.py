"""The whole story through Telegram, as the ward lives it: the real python-telegram-bot client polls the fake
Bot API (tests/fake_telegram.py) and answers through the real dialog on the test's database; the morning
reminder goes through the daily job, the outbox and the sender. The office uploads notice 004 and saves it,
a unit head binds with the invite's deep link, the next morning's reminder reaches them, they reply with a
result and completion, the office confirms it, and the May 2026 appendix asked for in the chat holds it."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path

import docx
import pytest
from builders import make_ward, person
from fake_telegram import FakeTelegramServer, SentMessage, channel_for
from outbox_helpers import FakeTime, log_channel
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bots.dialog import Dialog
from bots.telegram import TelegramChannel
from bots.telegram_inbound import PollingOptions, TelegramBot, file_fetcher
from jobs.runner import run_job
from jobs.sender import Sender
from tracker.clock import WARD_TZ, FixedClock
from tracker.models import Task, TaskStatus, Update
from tracker.usecases import issue_invite

OFFICE_CHAT, HEAD_CHAT = 700000101, 700000202
FAST = PollingOptions(timeout=0.2, backoff=0.01, max_backoff=0.05)
RESULT = "Đã ban hành Kế hoạch số 175/KH-UBND ngày 06/5/2026"
NOTICE = "004_43a30539afeed7f9.txt"
# The morning after the upload: a working Tuesday, the reminder's time. The unit's tasks of notice 004 that
# were due on 15/5 are overdue by then, so its head's reminder lists them.
NEXT_MORNING = datetime(2026, 5, 19, 7, 30, tzinfo=WARD_TZ)


def notice_docx(text: str) -> bytes:
    """The notice as the office has it: a Word file, one paragraph per line of the text."""
    document = docx.Document()
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def invite_code(session: Session, clock: FixedClock, org_id: int, key: str) -> str:
    """A fresh invite for the person `key`, issued by the administrator as `tracker people invite` does."""
    invite = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                          person_id=person(session, org_id, key).id or 0)
    session.commit()
    return invite.code


class Ward:
    """The bot polling the fake server inside one event loop, and what a test does through it: people
    write, reply and press buttons; each call waits until the bot confirmed the update, then returns the
    messages the chat received meanwhile."""

    def __init__(self, server: FakeTelegramServer, bot: TelegramBot, polling: asyncio.Task[None]) -> None:
        self.server = server
        self.bot = bot
        self.polling = polling
        self._presses = 0

    async def say(self, chat: int, text: str, reply_to: SentMessage | None = None) -> list[SentMessage]:
        # A reply carries the bot's message as the person saw it: Telegram gives back the text, not the HTML.
        original = self.server.bot_message(chat, html.unescape(reply_to.text)) if reply_to else None
        return await self._handled(chat, lambda: self.server.push_message(chat, text, reply_to=original))

    async def press(self, chat: int, label: str) -> list[SentMessage]:
        """Press the button labelled `label` under the latest message of `chat` that has buttons."""
        latest = [m for m in self.server.messages if m.chat_id == str(chat) and m.reply_markup]
        assert latest, f"no buttons in chat {chat}"
        data = next((b["callback_data"] for row in latest[-1].reply_markup["inline_keyboard"]  # type: ignore[index]
                     for b in row if b["text"] == label), None)
        assert data is not None, f"no button {label!r} in {latest[-1].reply_markup}"
        self._presses += 1
        query = {"id": f"story-{self._presses}", "chat_instance": "story", "data": data,
                 "from": {"id": chat, "is_bot": False, "first_name": "Người"},
                 "message": self.server.bot_message(chat, latest[-1].text)}
        return await self._handled(chat, lambda: self.server.push_update({"callback_query": query}))

    async def send_file(self, chat: int, name: str, content: bytes) -> list[SentMessage]:
        """Send a document, as the office sends a notice from the phone (Telegram's generic file type)."""
        file_id = self.server.add_file(name, content)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name,
                    "mime_type": "application/octet-stream", "file_size": len(content)}
        message = self.server.user_message(chat, None, document=document)
        return await self._handled(chat, lambda: self.server.push_update({"message": message}))

    async def _handled(self, chat: int, push: Callable[[], int]) -> list[SentMessage]:
        before = len(self.server.messages)
        update_id = push()
        await self.until(lambda: self._confirmed(update_id))
        return [m for m in self.server.messages[before:] if m.chat_id == str(chat)]

    def _confirmed(self, update_id: int) -> bool:
        # The polling loop asks for later updates only once the update is handled and its replies are sent.
        return any(c.method == "getUpdates" and int(c.fields.get("offset") or 0) > update_id
                   for c in list(self.server.calls))

    async def until(self, condition: Callable[[], bool]) -> None:
        """Until `condition` holds; fails when the bot stopped or after 20 seconds (a guard only)."""
        for _ in range(2_000):
            if condition():
                return
            if self.polling.done():
                self.polling.result()
                raise AssertionError("the bot stopped early")
            await asyncio.sleep(0.01)
        raise AssertionError("the condition never held")


@contextlib.asynccontextmanager
async def running_ward(server: FakeTelegramServer, channel: TelegramChannel, engine: Engine,
                       clock: FixedClock) -> AsyncIterator[Ward]:
    dialog = Dialog(engine, clock, files={"telegram": file_fetcher(channel, asyncio.get_running_loop())})
    bot = TelegramBot(channel, dialog, options=FAST)
    polling = asyncio.create_task(bot.run_polling())
    try:
        yield Ward(server, bot, polling)
    finally:
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling


def texts(messages: list[SentMessage]) -> str:
    return "\n\n".join(html.unescape(m.text) for m in messages)


def appendix_rows(content: bytes) -> list[list[str]]:
    """The rows of the appendix's table, each as the texts of its distinct cells."""
    document = docx.Document(io.BytesIO(content))
    [table] = document.tables
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            if not cells or cells[-1] != cell.text:  # a merged cell repeats itself across the columns
                cells.append(cell.text)
        rows.append(cells)
    return rows


def is_unit_heading(row: list[str]) -> bool:
    """A unit's row: its number and its heading, the other cells empty."""
    return len(row) >= 2 and row[0].isdigit() and not any(row[2:])


def rows_of_unit(rows: list[list[str]], unit_name: str) -> list[list[str]]:
    """The task rows under the unit's heading row, up to the next unit's."""
    start = next(n for n, row in enumerate(rows) if is_unit_heading(row) and unit_name in row[1])
    following = [n for n, row in enumerate(rows[start + 1:], start + 1) if is_unit_heading(row)]
    return rows[start + 1:following[0] if following else len(rows)]


@pytest.fixture
def org_id(session: Session, clock: FixedClock) -> int:
    return make_ward(session, clock)


def test_a_notice_uploaded_in_the_chat_is_reminded_reported_confirmed_and_in_the_months_appendix(
    engine, session, clock, org_id, shared_dir, tmp_path: Path
):
    notice = notice_docx((shared_dir / "seeds" / NOTICE).read_text(encoding="utf-8"))
    office_code = invite_code(session, clock, org_id, "van-thu")
    head_code = invite_code(session, clock, org_id, "tp-vhxh")
    fake_time = FakeTime(clock)

    async def story() -> bytes:
        with FakeTelegramServer() as server:
            channel = channel_for(server)
            async with channel, running_ward(server, channel, engine, clock) as ward:
                # Monday 18/5, 08:00: the office binds and sends the notice; the preview offers Lưu.
                assert "đã được liên kết" in texts(await ward.say(OFFICE_CHAT, f"/start {office_code}"))
                preview = texts(await ward.send_file(OFFICE_CHAT, "thong-bao-004.docx", notice))
                assert "Phòng Văn hóa - Xã hội" in preview and "Lưu" in str(server.messages[-1].reply_markup)
                assert texts(await ward.press(OFFICE_CHAT, "Lưu")).startswith("Đã lưu ")

                # The unit head opens the invite's deep link.
                clock.advance(timedelta(hours=2))
                assert "đã được liên kết" in texts(await ward.say(HEAD_CHAT, f"/start {head_code}"))

                # Tuesday 19/5: the reminder job, then the sender through the Telegram channel.
                clock.advance(NEXT_MORNING - clock.now())
                [outcome] = await asyncio.to_thread(run_job, engine, clock, "daily", at=clock.now())
                assert outcome.status == "done" and outcome.rows >= 1
                sender = Sender(engine, clock, {"telegram": channel, "log": log_channel(tmp_path / "outbox.log")},
                                name="sender-story", sleep=fake_time.sleep)
                while await sender.send_one():
                    pass
                [reminder] = [m for m in server.messages if m.chat_id == str(HEAD_CHAT) and "NHẮC VIỆC" in m.text]
                assert "Thành lập Ban quản lý Quỹ khuyến học" in html.unescape(reminder.text)

                # 09:00: the head answers the reminder with the result, picks the task and says it is done.
                clock.advance(timedelta(hours=1, minutes=30))
                offered = texts(await ward.say(HEAD_CHAT, RESULT, reply_to=reminder))
                assert "nhiệm vụ nào" in offered
                task_number = next(line.split(".")[0] for line in offered.splitlines()
                                   if "Quỹ khuyến học" in line)
                assert f"Kết quả: «{RESULT}»" in texts(await ward.press(HEAD_CHAT, task_number))
                await ward.press(HEAD_CHAT, "Hoàn thành trong tháng")
                await ward.press(HEAD_CHAT, "Không có")
                saved = texts(await ward.press(HEAD_CHAT, "Có"))
                assert "Đã báo hoàn thành; nhiệm vụ chờ Văn phòng xác nhận." in saved

                # 10:00: the office sees it in /duyet and confirms it.
                clock.advance(timedelta(hours=1))
                awaiting = texts(await ward.say(OFFICE_CHAT, "/duyet"))
                assert "1 nhiệm vụ đơn vị báo đã hoàn thành" in awaiting and "Quỹ khuyến học" in awaiting
                assert "Đã xác nhận hoàn thành nhiệm vụ" in texts(await ward.press(OFFICE_CHAT, "Xác nhận 1"))

                # The month's appendix, asked for in the chat, arrives as a Word document.
                await ward.say(OFFICE_CHAT, "/phuluc 5/2026")
                [document] = [d for d in server.documents if d.chat_id == str(OFFICE_CHAT)]
                assert document.file_name == "phu-luc-1-thang-2026-05.docx"
                return document.data

    appendix = asyncio.run(story())

    with Session(engine) as check:
        [update] = check.exec(select(Update)).all()
        task = check.get(Task, update.task_id)
        assert task is not None and task.status == TaskStatus.DONE and update.result_text == RESULT
    unit_rows = rows_of_unit(appendix_rows(appendix), "Phòng Văn hóa - Xã hội")
    [row] = [r for r in unit_rows if any("Quỹ khuyến học" in cell for cell in r)]
    assert any(RESULT in cell for cell in row)
