"""The Telegram channel (bots/telegram.py): the real python-telegram-bot client over loopback to the fake Bot
API (tests/fake_telegram.py). What arrives, how long messages are cut, and what each failure means to the
sender. The settings are in test_telegram_settings.py, the outbox through this channel in
test_telegram_outbox.py."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Iterator

import pytest
from fake_channel import BAD_REQUEST, BLOCKED, CHAT_NOT_FOUND, HANG, RATE_LIMITED, SERVER_ERROR, TOKEN, Failure
from fake_telegram import FakeTelegramServer, channel_for, send
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bots.channels import ChannelError, ChatMoved
from bots.telegram import TelegramChannel
from tracker.clock import FixedClock

SECRET = TOKEN.split(":")[1]
OTHER_TOKEN = "987654321:AAAnotherTokenTheServerDoesNotKnow1234"


@pytest.fixture
def server(clock: FixedClock) -> Iterator[FakeTelegramServer]:
    with FakeTelegramServer(timer=lambda: clock.now().timestamp()) as fake:
        yield fake


def failing_send(channel: TelegramChannel, chat_id: str, text: str) -> ChannelError:
    with pytest.raises(ChannelError) as raised:
        send(channel, chat_id, text)
    return raised.value


def test_plain_text_arrives_escaped_in_html_parse_mode(server):
    text = "Kế hoạch <số 175/KH-UBND> & phụ lục > 2 \"trích\""

    send(channel_for(server), "1001", text)

    [message] = server.messages
    assert (message.chat_id, message.parse_mode) == ("1001", "HTML")
    assert message.text == "Kế hoạch &lt;số 175/KH-UBND&gt; &amp; phụ lục &gt; 2 \"trích\""
    assert html.unescape(message.text) == text


def test_a_message_of_ten_thousand_characters_arrives_in_parts_cut_between_lines(server):
    lines = [f"{n}. Nhiệm vụ số {n}: hoàn thành kế hoạch chuyển đổi số, hạn 31/5/2026." for n in range(1, 500)]
    text = "\n".join(lines)[:10_000]

    send(channel_for(server), "1001", text)

    parts = server.texts_to("1001")
    assert len(parts) == 3
    assert all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == text
    assert all(len(part) > 4096 - 120 for part in parts[:-1])  # each part as full as whole lines allow


def test_a_line_longer_than_a_message_is_cut_between_words(server):
    line = " ".join(["nhiệm"] * 1_500)  # 6 characters a word with its space: 682 words fill a part

    send(channel_for(server), "1001", line)

    parts = server.texts_to("1001")
    assert [len(part) for part in parts] == [4091, 4091, 8999 - 2 * 4092]
    assert " ".join(parts) == line


@pytest.mark.parametrize(("text", "expected_parts"), [("&" * 5_000, 7), ("📌" * 3_000, 2)], ids=["entities", "emoji"])
def test_a_word_longer_than_a_message_is_cut_between_characters_never_inside_an_entity(server, text, expected_parts):
    # "&" becomes "&amp;" (5 characters); an emoji counts 2 in Telegram's UTF-16 limit.
    send(channel_for(server), "1001", text)

    parts = server.texts_to("1001")
    assert len(parts) == expected_parts
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in parts)
    assert "".join(html.unescape(part) for part in parts) == text


def test_pre_built_html_arrives_as_given_with_its_buttons_on_the_last_part(server):
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Lưu", callback_data="s:1"),
                                     InlineKeyboardButton("Hủy", callback_data="c:1")]])
    text = "<b>Nhiệm vụ tìm thấy</b>\n" + "\n".join(f"{n}. Việc số {n}" for n in range(1, 400)) * 3

    async def scenario() -> list[int]:
        async with channel_for(server) as channel:
            return await channel.send_html("1001", text, reply_markup=buttons)

    ids = asyncio.run(scenario())

    assert "\n".join(server.texts_to("1001")) == text
    assert [m.message_id for m in server.messages] == ids and len(ids) > 1
    assert [m.reply_markup for m in server.messages[:-1]] == [None] * (len(ids) - 1)
    assert server.messages[-1].reply_markup == {"inline_keyboard": [[{"text": "Lưu", "callback_data": "s:1"},
                                                                     {"text": "Hủy", "callback_data": "c:1"}]]}


def test_an_empty_message_is_refused_for_good_without_calling_telegram(server):
    error = failing_send(channel_for(server), "1001", " \n ")

    assert (error.retryable, error.unreachable) == (False, False)
    assert server.calls == []


@pytest.mark.parametrize(
    ("failure", "retryable", "unreachable", "retry_after", "words"),
    [
        (RATE_LIMITED, True, False, 5.0, "chờ 5 giây"),
        (SERVER_ERROR, True, False, None, "Internal Server Error"),
        (HANG, True, False, None, "hết thời gian chờ"),
        (BLOCKED, False, True, None, "bot was blocked by the user"),
        (CHAT_NOT_FOUND, False, True, None, "Chat not found"),
        (BAD_REQUEST, False, False, None, "Message is too long"),
    ],
    ids=["429", "500", "timeout", "403-blocked", "400-chat-not-found", "400-bad-request"],
)
def test_each_telegram_failure_becomes_the_channel_error_the_sender_expects(
    server, failure, retryable, unreachable, retry_after, words
):
    server.fail_next(1, failure)

    error = failing_send(channel_for(server, read_timeout=0.5 if failure is HANG else 30.0), "1001", "Nhắc việc.")

    assert type(error) is ChannelError
    assert (error.retryable, error.unreachable, error.retry_after) == (retryable, unreachable, retry_after)
    assert words in str(error) and SECRET not in str(error)


def test_a_group_that_became_a_supergroup_is_a_permanent_error_carrying_the_new_chat_id(server):
    server.fail_next(1, Failure("migrated", migrate_to_chat_id=-1009876543210))

    error = failing_send(channel_for(server), "-4001", "Nhắc việc.")

    assert isinstance(error, ChatMoved)
    assert (error.new_external_id, error.retryable, error.unreachable) == ("-1009876543210", False, True)


def test_a_token_the_api_rejects_is_retryable_and_never_shown(server):
    error = failing_send(channel_for(server, OTHER_TOKEN), "1001", "Nhắc việc.")

    assert error.retryable and not error.unreachable
    assert "TELEGRAM_BOT_TOKEN" in str(error)
    channel = channel_for(server, OTHER_TOKEN)
    assert OTHER_TOKEN.split(":")[1] not in str(error) and OTHER_TOKEN.split(":")[1] not in repr(channel)


def test_the_channel_sends_from_one_event_loop_after_another(server):
    # The sender's tests and `tracker serve --once` may run successive sends in new event loops.
    channel = channel_for(server)
    send(channel, "1001", "Tin thứ nhất.")
    send(channel, "1001", "Tin thứ hai.")
    assert server.texts_to("1001") == ["Tin thứ nhất.", "Tin thứ hai."]


def test_the_bot_reads_updates_and_sends_documents_through_the_fake_api(server):
    # What the inbound side will build on: getMe, getUpdates with its offset, deleteWebhook, sendDocument.
    async def scenario() -> tuple[str | None, list[str], int, str | None]:
        async with channel_for(server) as channel:
            bot = channel.bot()
            me = await bot.get_me()
            assert await bot.delete_webhook()
            server.push_message(1001, "/viec")
            server.push_message(1001, "/quahan")
            first = await bot.get_updates(offset=0, timeout=1)
            after = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
            sent = await bot.send_document(1001, document=b"PK\x03\x04", filename="Phụ lục 1 tháng 5-2026.docx")
            return me.username, [u.message.text for u in first if u.message], len(after), sent.document.file_name

    username, texts, later, file_name = asyncio.run(scenario())

    assert (username, texts, later, file_name) == ("phuong_mau_bot", ["/viec", "/quahan"], 0,
                                                   "Phụ lục 1 tháng 5-2026.docx")
    [document] = server.documents
    assert (document.chat_id, document.file_name, document.data) == ("1001", "Phụ lục 1 tháng 5-2026.docx",
                                                                     b"PK\x03\x04")
