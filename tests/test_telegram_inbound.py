"""The Telegram adapter's inbound half (bots/telegram_inbound.py, telegram_updates.py, webhook_endpoint.py): the real
python-telegram-bot client polling the fake Bot API (tests/fake_telegram.py), or the webhook posted to with
httpx, in front of a small dialog written here (an echo with buttons, a file and a long answer)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from fake_channel import BLOCKED, TOKEN
from fake_telegram import USER_ID, FakeTelegramServer, channel_for
from outbox_helpers import FakeTime
from polling_helpers import stopped, wait_for
from web_helpers import listening

from bots.channels import ChannelError
from bots.messages import Button, Inbound, OutboundFile, Reply
from bots.ratelimit import RateLimiter, RateLimits
from bots.telegram import TelegramSettings
from bots.telegram_inbound import FetchFile, PollingOptions, TelegramBot, file_fetcher, run_telegram
from bots.telegram_updates import EDITED, ONLY_TEXT_AND_FILES, PRIVATE_ONLY, TRY_LATER
from bots.webhook_endpoint import WebhookRoutes

CHAT = USER_ID  # a private chat's id is its user's
FAST = PollingOptions(timeout=0.2, backoff=0.01, max_backoff=0.05)
WEBHOOK_URL = "https://phuong.example.vn/telegram/hook"
SECRET = "bi-mat_cua-phuong_Mau_2026"
MAX_FILE = 1_000


@dataclass
class EchoDialog:
    """A real, tiny implementation of the dialog protocol: repeats what it is sent, offers buttons for
    "/nut", a document for "/tep", a long list for "/dai", fetches the bytes of a file it is sent, fails
    the first `failures` calls, and handles each event id once (as the real dialog does)."""

    failures: int = 0
    fetch: FetchFile | None = None
    calls: list[Inbound] = field(default_factory=list)
    handled: list[Inbound] = field(default_factory=list)
    fetched: list[bytes] = field(default_factory=list)

    def handle(self, inbound: Inbound) -> list[Reply]:
        self.calls.append(inbound)
        if self.failures > 0 or inbound.text == "/hong":
            self.failures -= 1
            raise RuntimeError(f"không xử lý được {inbound.text}")
        if any(done.event_id == inbound.event_id for done in self.handled):
            return []
        self.handled.append(inbound)
        return self._replies(inbound)

    def _replies(self, inbound: Inbound) -> list[Reply]:
        if inbound.button is not None:
            return [Reply(f"Bạn chọn {inbound.button}.")]
        if inbound.file is not None:
            return [self._received(inbound)]
        if inbound.text == "/nut":
            return [Reply("Việc đã xong chưa?", buttons=((Button("Xong", "x:1"), Button("Chưa", "c:1")),
                                                          (Button("Hủy", "h:1"),)))]
        if inbound.text == "/nut-dai":
            return [Reply("Chọn:", buttons=((Button("Quá dài", "đ" * 33),),))]
        if inbound.text == "/tep":
            return [Reply("Phụ lục tháng 5/2026 <bản nháp>", file=OutboundFile("phu-luc-5-2026.docx", b"PK\x03\x04"))]
        if inbound.text == "/dai":
            return [Reply("\n".join(f"{n}. Nhiệm vụ số {n} <hạn 31/5/2026>" for n in range(1, 400)),
                          buttons=((Button("Tiếp", "t:2"),),))]
        return [Reply(f"Bạn viết: {inbound.text}")]

    def _received(self, inbound: Inbound) -> Reply:
        assert inbound.file is not None and self.fetch is not None
        try:
            content = self.fetch(inbound.file.ref, MAX_FILE)
        except ChannelError as exc:
            return Reply(f"Không tải được tệp: {'quá lớn' if 'quá giới hạn' in str(exc) else 'lỗi'}.")
        self.fetched.append(content)
        return Reply(f"Đã nhận {inbound.file.name}: {len(content)} byte.")


@pytest.fixture
def server() -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer() as fake:
        yield fake


def poll_until(server: FakeTelegramServer, dialog: EchoDialog, condition: Callable[[], bool],
               options: PollingOptions = FAST) -> None:
    """Run the polling loop against `server` until `condition` holds, then cancel it."""

    async def scenario() -> None:
        async with channel_for(server) as channel:
            dialog.fetch = file_fetcher(channel, asyncio.get_running_loop())
            settings = TelegramSettings(bot_token=TOKEN, api_base_url=server.url)
            polling = asyncio.create_task(run_telegram(channel, settings, dialog, options=options))
            try:
                await wait_for(condition, polling)
            finally:
                await stopped(polling)

    asyncio.run(scenario())


def replies(server: FakeTelegramServer, count: int = 1) -> Callable[[], bool]:
    return lambda: len(server.texts_to(str(CHAT))) >= count


def test_a_text_message_reaches_the_dialog_and_its_reply_arrives_escaped(server):
    server.push_message(CHAT, "Đã ban hành Kế hoạch <số 175/KH-UBND> & gửi các đơn vị")
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    [inbound] = dialog.handled
    assert (inbound.channel, inbound.chat_id, inbound.sender_name) == ("telegram", str(CHAT), "Người Dùng")
    assert inbound.text == "Đã ban hành Kế hoạch <số 175/KH-UBND> & gửi các đơn vị"
    assert inbound.event_id.startswith(f"msg:{CHAT}:") and inbound.button is None and inbound.file is None
    [message] = server.messages
    assert message.parse_mode == "HTML"
    assert message.text == "Bạn viết: Đã ban hành Kế hoạch &lt;số 175/KH-UBND&gt; &amp; gửi các đơn vị"


def test_commands_reach_the_dialog_with_their_arguments_and_without_the_bots_name(server):
    server.push_message(CHAT, "/start MOI-7Q2K")
    server.push_message(CHAT, "/phuluc@phuong_mau_bot 5/2026")
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server, 2))

    assert [i.text for i in dialog.handled] == ["/start MOI-7Q2K", "/phuluc 5/2026"]


def test_a_reply_to_the_bots_message_carries_the_text_replied_to(server):
    reminder = server.bot_message(CHAT, "Nhắc việc ngày 18/5/2026: 2 nhiệm vụ sắp đến hạn.")
    server.push_message(CHAT, "Đã xong việc 1", reply_to=reminder)
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    assert dialog.handled[0].reply_to == "Nhắc việc ngày 18/5/2026: 2 nhiệm vụ sắp đến hạn."


def test_buttons_arrive_as_an_inline_keyboard_of_the_dialogs_rows(server):
    server.push_message(CHAT, "/nut")

    poll_until(server, EchoDialog(), replies(server))

    [message] = server.messages
    assert message.text == "Việc đã xong chưa?"
    assert message.reply_markup == {"inline_keyboard": [
        [{"text": "Xong", "callback_data": "x:1"}, {"text": "Chưa", "callback_data": "c:1"}],
        [{"text": "Hủy", "callback_data": "h:1"}]]}


def test_a_button_press_reaches_the_dialog_and_its_spinner_is_stopped(server):
    query_id = server.push_button(CHAT, "x:1")
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    [inbound] = dialog.handled
    assert (inbound.button, inbound.event_id, inbound.chat_id) == ("x:1", f"cbq:{query_id}", str(CHAT))
    assert [answer["callback_query_id"] for answer in server.callback_answers] == [query_id]
    assert server.texts_to(str(CHAT)) == ["Bạn chọn x:1."]


def test_a_long_reply_is_split_between_lines_with_the_buttons_under_the_last_part(server):
    server.push_message(CHAT, "/dai")

    poll_until(server, EchoDialog(), lambda: any(m.reply_markup for m in server.messages))

    parts = server.texts_to(str(CHAT))
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == "\n".join(f"{n}. Nhiệm vụ số {n} &lt;hạn 31/5/2026&gt;" for n in range(1, 400))
    assert [m.reply_markup is not None for m in server.messages] == [False] * (len(parts) - 1) + [True]


def test_a_reply_with_a_file_arrives_as_a_document_with_its_text_as_the_caption(server):
    server.push_message(CHAT, "/tep")

    poll_until(server, EchoDialog(), lambda: bool(server.documents))

    [document] = server.documents
    assert (document.chat_id, document.file_name, document.data) == (str(CHAT), "phu-luc-5-2026.docx", b"PK\x03\x04")
    assert document.caption == "Phụ lục tháng 5/2026 &lt;bản nháp&gt;"
    assert server.messages == []


def test_a_documents_bytes_are_fetched_for_the_dialog(server):
    content = b"%PDF-1.7 Thong bao ket luan 004" * 10
    file_id = server.push_document(CHAT, "TB 004.pdf", content, caption="Thông báo kết luận")
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    [inbound] = dialog.handled
    assert inbound.file is not None
    assert (inbound.file.name, inbound.file.mime_type, inbound.file.size, inbound.file.ref) == (
        "TB 004.pdf", "application/pdf", len(content), file_id)
    assert inbound.text == "Thông báo kết luận"
    assert [hashlib.sha256(b).hexdigest() for b in dialog.fetched] == [hashlib.sha256(content).hexdigest()]
    assert server.texts_to(str(CHAT)) == [f"Đã nhận TB 004.pdf: {len(content)} byte."]


def test_a_photo_reaches_the_dialog_as_a_jpeg_file_in_its_largest_size(server):
    small = server.add_file("small.jpg", b"\xff\xd8\xff small")
    large = server.add_file("large.jpg", b"\xff\xd8\xff" + b"large" * 100)
    photo = [{"file_id": small, "file_unique_id": "us", "width": 90, "height": 120, "file_size": 10},
             {"file_id": large, "file_unique_id": "ul", "width": 1200, "height": 1600, "file_size": 503}]
    server.push_message(CHAT, None, photo=photo, caption="Thông báo kết luận")  # type: ignore[arg-type]
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    [inbound] = dialog.handled
    assert inbound.file is not None and inbound.text == "Thông báo kết luận"
    assert inbound.file.name.startswith("anh-") and inbound.file.name.endswith(".jpg")
    assert (inbound.file.mime_type, inbound.file.size, inbound.file.ref) == ("image/jpeg", 503, large)


def test_a_file_over_the_dialogs_limit_is_refused_before_it_is_downloaded(server):
    # Telegram announced a small size in the message; getFile tells the truth, and is checked first.
    server.push_document(CHAT, "to.docx", b"x" * (MAX_FILE + 1), declared_size=10)
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    assert server.texts_to(str(CHAT)) == ["Không tải được tệp: quá lớn."]
    assert "getFile" in server.methods_called() and "download" not in server.methods_called()


def test_an_update_whose_dialog_failed_is_delivered_again_and_handled_once(server):
    server.push_message(CHAT, "Báo cáo kết quả")
    server.push_message(CHAT, "Tin sau")
    dialog = EchoDialog(failures=1)

    poll_until(server, dialog, replies(server, 2))

    assert [i.text for i in dialog.calls] == ["Báo cáo kết quả", "Báo cáo kết quả", "Tin sau"]
    assert dialog.calls[0].event_id == dialog.calls[1].event_id
    assert server.texts_to(str(CHAT)) == ["Bạn viết: Báo cáo kết quả", "Bạn viết: Tin sau"]


def test_a_dialog_that_keeps_failing_gets_a_try_later_answer_and_the_loop_goes_on(server, caplog):
    server.push_message(CHAT, "/hong")
    server.push_message(CHAT, "Tin sau")
    dialog = EchoDialog()

    with caplog.at_level(logging.INFO, logger="bots.telegram"):
        poll_until(server, dialog, replies(server, 2))

    assert [i.text for i in dialog.calls] == ["/hong"] * FAST.attempts + ["Tin sau"]
    assert server.texts_to(str(CHAT)) == [TRY_LATER, "Bạn viết: Tin sau"]
    assert "RuntimeError" in caplog.text and "/hong" not in caplog.text


def test_a_button_whose_data_telegram_would_refuse_is_logged_and_never_sent(server, caplog):
    server.push_message(CHAT, "/nut-dai")

    with caplog.at_level(logging.ERROR, logger="bots.telegram"):
        poll_until(server, EchoDialog(), replies(server))

    assert server.texts_to(str(CHAT)) == [TRY_LATER]
    assert "66 byte" in caplog.text and "64 byte" in caplog.text


@pytest.mark.parametrize("content", [
    {"sticker": {"file_id": "s1", "file_unique_id": "us1", "type": "regular", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False}},
    {"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}},
], ids=["sticker", "voice"])
def test_what_the_dialog_cannot_read_gets_the_short_answer_and_never_reaches_it(server, content):
    server.push_message(CHAT, None, **content)  # type: ignore[arg-type]
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    assert server.texts_to(str(CHAT)) == [ONLY_TEXT_AND_FILES]
    assert dialog.calls == []


def test_an_edited_message_gets_the_short_answer_and_never_reaches_the_dialog(server):
    server.push_update({"edited_message": {**server.user_message(CHAT, "Sửa lại"), "edit_date": 1779000000}})
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    assert server.texts_to(str(CHAT)) == [EDITED]
    assert dialog.calls == []


def test_a_group_chat_that_addresses_the_bot_is_told_it_works_in_private_chats_only(server):
    group = -100200300
    server.push_message(group, "Chào cả nhóm", chat_type="supergroup")  # not for the bot: no answer
    server.push_message(group, "/viec", chat_type="supergroup")
    dialog = EchoDialog()

    poll_until(server, dialog, lambda: bool(server.texts_to(str(group))))

    assert server.texts_to(str(group)) == [PRIVATE_ONLY]
    assert dialog.calls == []


def test_polling_deletes_the_webhook_first_and_retries_a_failing_get_updates(server):
    server.webhook = {"url": WEBHOOK_URL, "secret_token": SECRET}
    server.fail_updates(2)
    server.push_message(CHAT, "Xin chào")

    poll_until(server, EchoDialog(), replies(server))

    methods = server.methods_called()
    assert methods[:3] == ["getMe", "deleteWebhook", "getUpdates"]
    assert server.webhook is None
    assert server.texts_to(str(CHAT)) == ["Bạn viết: Xin chào"]


def test_after_a_stop_the_handled_updates_are_confirmed_and_not_delivered_again(server):
    server.push_message(CHAT, "Tin một")
    dialog = EchoDialog()
    poll_until(server, dialog, replies(server))
    server.push_message(CHAT, "Tin hai")

    poll_until(server, dialog, replies(server, 2))

    assert [i.text for i in dialog.calls] == ["Tin một", "Tin hai"]


def test_a_reply_to_a_chat_that_blocked_the_bot_is_dropped_and_the_loop_goes_on(server):
    server.fail_chat("555", BLOCKED)
    server.push_message(555, "Xin chào")
    server.push_message(CHAT, "Xin chào")
    dialog = EchoDialog()

    poll_until(server, dialog, replies(server))

    assert [i.chat_id for i in dialog.handled] == ["555", str(CHAT)]


# The webhook: the test posts to the bot's endpoint as Telegram would.

def webhook_scenario(server: FakeTelegramServer, dialog: EchoDialog,
                     steps: Callable[[httpx.AsyncClient, str], Awaitable[None]]) -> None:
    """Run the bot in webhook mode behind the service's HTTP listener on a free port, then
    `steps(client, endpoint URL)`."""

    async def scenario() -> None:
        webhooks = WebhookRoutes()
        async with channel_for(server) as channel, listening(webhooks) as listener:
            bot = TelegramBot(channel, dialog, options=FAST)
            serving = asyncio.create_task(bot.run_webhook(WEBHOOK_URL, SECRET, webhooks))
            try:
                await wait_for(lambda: server.webhook is not None, serving)
                endpoint = f"{listener.address}telegram/hook"
                async with httpx.AsyncClient(timeout=10) as client:
                    await steps(client, endpoint)
            finally:
                await stopped(serving)
        assert webhooks.paths == []  # a bot that stops answering gives its path back

    asyncio.run(scenario())


def text_update(server: FakeTelegramServer, update_id: int, text: str) -> dict[str, object]:
    return {"update_id": update_id, "message": server.user_message(CHAT, text)}


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "doan-bua"},
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}],
                         ids=["missing", "wrong", "longer"])
def test_a_webhook_post_without_the_right_secret_gets_403_and_reaches_nothing(server, headers):
    dialog = EchoDialog()
    statuses: list[int] = []

    async def steps(client: httpx.AsyncClient, endpoint: str) -> None:
        response = await client.post(endpoint, json=text_update(server, 10, "Xin chào"), headers=headers)
        statuses.append(response.status_code)

    webhook_scenario(server, dialog, steps)

    assert statuses == [403]
    assert dialog.calls == [] and server.messages == []


def test_a_webhook_post_with_the_secret_is_handled_like_a_polled_update(server):
    dialog = EchoDialog()
    statuses: list[int] = []

    async def steps(client: httpx.AsyncClient, endpoint: str) -> None:
        for update in (text_update(server, 10, "Xin chào <bot>"), {"update_id": 11, "callback_query": {
                "id": "q-11", "from": {"id": CHAT, "is_bot": False, "first_name": "Người"}, "chat_instance": "c",
                "data": "x:1", "message": server.bot_message(CHAT, "Chọn:")}}):
            response = await client.post(endpoint, json=update,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            statuses.append(response.status_code)

    webhook_scenario(server, dialog, steps)

    assert statuses == [200, 200]
    assert server.webhook == {"url": WEBHOOK_URL, "secret_token": SECRET}
    assert [(i.text, i.button) for i in dialog.handled] == [("Xin chào <bot>", None), ("", "x:1")]
    assert server.texts_to(str(CHAT)) == ["Bạn viết: Xin chào &lt;bot&gt;", "Bạn chọn x:1."]
    assert [a["callback_query_id"] for a in server.callback_answers] == ["q-11"]


def test_a_webhook_update_whose_dialog_failed_gets_500_so_that_telegram_delivers_it_again(server):
    dialog = EchoDialog(failures=1)
    statuses: list[int] = []

    async def steps(client: httpx.AsyncClient, endpoint: str) -> None:
        update = text_update(server, 12, "Báo cáo")
        for _ in range(2):
            response = await client.post(endpoint, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            statuses.append(response.status_code)

    webhook_scenario(server, dialog, steps)

    assert statuses == [500, 200]
    assert len(dialog.calls) == 2 and len(dialog.handled) == 1
    assert server.texts_to(str(CHAT)) == ["Bạn viết: Báo cáo"]


@pytest.mark.parametrize(("method", "path", "body", "status"), [
    ("POST", "/khac", b"{}", 404),
    ("GET", "/telegram/hook", b"", 405),
    ("POST", "/telegram/hook", b"not json", 400),
    ("POST", "/telegram/hook", b"x" * 1_000_001, 413),
], ids=["other-path", "get", "not-an-update", "too-large"])
def test_a_webhook_request_that_is_not_an_update_is_refused(server, method, path, body, status):
    dialog = EchoDialog()
    statuses: list[int] = []

    async def steps(client: httpx.AsyncClient, endpoint: str) -> None:
        url = endpoint.replace("/telegram/hook", path)
        response = await client.request(method, url, content=body,
                                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        statuses.append(response.status_code)

    webhook_scenario(server, dialog, steps)

    assert statuses == [status]
    assert dialog.calls == []


def test_with_a_webhook_url_set_the_bot_serves_the_webhook_instead_of_polling(server):
    settings = TelegramSettings(bot_token=TOKEN, api_base_url=server.url, webhook_url=WEBHOOK_URL,
                                webhook_secret=SECRET)
    dialog = EchoDialog()
    webhooks = WebhookRoutes()

    async def scenario() -> int:
        async with channel_for(server) as channel, httpx.AsyncClient(timeout=10) as client, \
                listening(webhooks) as listener:
            serving = asyncio.create_task(run_telegram(channel, settings, dialog, options=FAST, webhooks=webhooks))
            try:
                await wait_for(lambda: server.webhook is not None, serving)
                response = await client.post(f"{listener.address}telegram/hook",
                                             json=text_update(server, 20, "Xin chào"),
                                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
                return response.status_code
            finally:
                await stopped(serving)

    assert asyncio.run(scenario()) == 200
    assert server.texts_to(str(CHAT)) == ["Bạn viết: Xin chào"]
    assert "getUpdates" not in server.methods_called() and "deleteWebhook" not in server.methods_called()


@dataclass
class WaitingDialog(EchoDialog):
    """Holds the first chat's message until the second chat's has been handled: only a bot that handles
    different chats side by side gets through (one at a time, it would wait forever)."""

    second_done: asyncio.Event | None = None
    loop: asyncio.AbstractEventLoop | None = None
    gave_up: bool = False

    def handle(self, inbound: Inbound) -> list[Reply]:
        assert self.second_done is not None and self.loop is not None
        if inbound.chat_id == str(CHAT) and inbound.text == "thứ nhất":
            waiting = asyncio.wait_for(self.second_done.wait(), 3)
            try:
                asyncio.run_coroutine_threadsafe(waiting, self.loop).result()
            except TimeoutError:
                self.gave_up = True
            return super().handle(inbound)
        replies = super().handle(inbound)
        self.loop.call_soon_threadsafe(self.second_done.set)
        return replies


def test_a_slow_chat_does_not_hold_up_another_chat_and_each_chat_keeps_its_order(server):
    # Regression: updates were handled one at a time for all chats, so one person's slow import made
    # everybody wait.
    other = CHAT + 1
    server.push_message(CHAT, "thứ nhất")
    server.push_message(other, "của người khác")
    server.push_message(CHAT, "thứ hai")
    dialog = WaitingDialog()

    async def scenario() -> None:
        dialog.loop, dialog.second_done = asyncio.get_running_loop(), asyncio.Event()
        async with channel_for(server) as channel:
            settings = TelegramSettings(bot_token=TOKEN, api_base_url=server.url)
            polling = asyncio.create_task(run_telegram(channel, settings, dialog, options=FAST))
            try:
                await wait_for(lambda: len(server.texts_to(str(CHAT))) >= 2, polling)
            finally:
                await stopped(polling)

    asyncio.run(scenario())
    assert not dialog.gave_up
    assert server.texts_to(str(other)) == ["Bạn viết: của người khác"]
    assert server.texts_to(str(CHAT)) == ["Bạn viết: thứ nhất", "Bạn viết: thứ hai"]


def test_replies_share_the_bots_rate_limit_with_the_outbox_one_a_second_to_a_chat(clock):
    # The reminders and the replies go out with one token: Telegram counts them together (about one a
    # second to a chat), so the bot waits its turn on the sender's limiter.
    fake_time = FakeTime(clock)
    limiter = RateLimiter(RateLimits(), clock, fake_time.sleep)
    with FakeTelegramServer(timer=lambda: clock.now().timestamp()) as server:
        server.push_message(CHAT, "thứ nhất")
        server.push_message(CHAT, "thứ hai")

        async def scenario() -> None:
            async with channel_for(server) as channel:
                settings = TelegramSettings(bot_token=TOKEN, api_base_url=server.url)
                polling = asyncio.create_task(run_telegram(channel, settings, EchoDialog(), options=FAST,
                                                           limiter=limiter))
                try:
                    await wait_for(replies(server, 2), polling)
                finally:
                    await stopped(polling)

        asyncio.run(scenario())
        sent = [r.at for r in server.requests if r.chat_id == str(CHAT)]
    assert len(sent) == 2 and sent[1] - sent[0] >= 1 - 1e-6
    assert fake_time.waits and max(fake_time.waits) <= 1
