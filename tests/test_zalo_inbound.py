"""The Zalo adapter's inbound half (bots/zalo_inbound.py) in front of the real dialog on a real database: long
polling against the fake Zalo Bot API (tests/fake_zalo.py), or the webhook posted to with httpx. Binding with
the code, numbered choices answered with a number, the webhook's secret, duplicate delivery, other events."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import date

import httpx
import pytest
from builders import make_task, person
from fake_zalo import TOKEN, FakeZaloServer, channel_for
from polling_helpers import stopped, wait_for
from sqlmodel import Session
from web_helpers import listening

from bots.dialog import ChannelCaps, Dialog
from bots.webhook_endpoint import WebhookRoutes
from bots.zalo import load_zalo_settings
from bots.zalo_inbound import ONLY_TEXT, PollingOptions, ZaloBot, run_zalo
from tracker.clock import FixedClock
from tracker.usecases import issue_invite

FAST = PollingOptions(timeout=1, backoff=0.01, max_backoff=0.05)
WEBHOOK_URL = "https://phuong.example.vn/zalo/hook"
SECRET = "bi-mat_cua-phuong-Mau-2026"
CHAT = "e4ea2cd5189df1c3a88c"


@pytest.fixture
def server() -> Iterator[FakeZaloServer]:
    with FakeZaloServer() as fake:
        yield fake


@pytest.fixture
def zalo_dialog(engine, clock) -> Dialog:  # type: ignore[no-untyped-def]
    """The dialog as tracker serve builds it for Zalo: no buttons, no files."""
    return Dialog(engine, clock, channel_caps=ChannelCaps(buttons=False, files=False))


def invite(session: Session, clock: FixedClock, org_id: int, key: str) -> str:
    code = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                        person_id=person(session, org_id, key).id or 0).code
    session.commit()
    return code


class Polling:
    """The polling loop against `server`, run step by step: `say` pushes a text and waits for `replies`
    more messages to the chat."""

    def __init__(self, server: FakeZaloServer, dialog: Dialog) -> None:
        self.server, self.dialog = server, dialog

    def run(self, steps: list[tuple[dict, int]]) -> None:  # type: ignore[type-arg]
        async def scenario() -> None:
            async with channel_for(self.server) as channel:
                settings = load_zalo_settings(bot_token=TOKEN, api_base_url=self.server.url)
                polling = asyncio.create_task(run_zalo(channel, settings, self.dialog, options=FAST))
                try:
                    for event, replies in steps:
                        chat = event["message"]["chat"]["id"]
                        expected = len(self.server.texts_to(chat)) + replies
                        self.server.push_event(event)
                        await wait_for(lambda chat=chat, expected=expected: self.server.pending_events() == 0
                                       and len(self.server.texts_to(chat)) >= expected, polling)
                finally:
                    await stopped(polling)

        asyncio.run(scenario())


def test_a_person_binds_by_sending_the_code_alone(session, clock, org_id, server, zalo_dialog):
    code = invite(session, clock, org_id, "tp-vhxh")
    Polling(server, zalo_dialog).run([(server.event(CHAT, code), 1)])
    [welcome] = server.texts_to(CHAT)
    assert "Tài khoản Zalo này đã được liên kết" in welcome and "/viec" in welcome
    assert server.methods_called()[:2] == ["getMe", "deleteWebhook"]
    assert (CHAT, "typing") in server.actions


def test_a_person_binds_with_start_and_the_code(session, clock, org_id, server, zalo_dialog):
    code = invite(session, clock, org_id, "tp-vhxh")
    Polling(server, zalo_dialog).run([(server.event(CHAT, f"/start {code}"), 1)])
    assert "đã được liên kết" in server.texts_to(CHAT)[0]


def test_viec_is_answered_with_numbered_choices_and_the_number_is_understood(
    session, clock, org_id, server, zalo_dialog
):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    code = invite(session, clock, org_id, "tp-vhxh")
    Polling(server, zalo_dialog).run([(server.event(CHAT, code), 1), (server.event(CHAT, "/viec"), 1),
                                      (server.event(CHAT, "1"), 1)])
    _, listing, opened = server.texts_to(CHAT)
    assert f"(#{task.id})" in listing and listing.endswith("Trả lời số 1 để chọn.")
    assert "Tình trạng: còn 12 ngày" in opened
    assert opened.endswith("Trả lời 1 = Cập nhật kết quả, 2 = Báo đã hoàn thành, 3 = Xin gia hạn.")


def test_an_image_or_a_sticker_gets_the_short_answer_and_a_stranger_the_way_to_bind(
    session, clock, org_id, server, zalo_dialog
):
    image = server.event(CHAT, name="message.image.received", photo_url="https://example.vn/a.jpg")
    sticker = server.event(CHAT, name="message.sticker.received", sticker="0e078a2fb66a5f34067b")
    Polling(server, zalo_dialog).run([(image, 1), (sticker, 1), (server.event(CHAT, "xin chào"), 1)])
    only_text, again, help_text = server.texts_to(CHAT)
    assert only_text == again == ONLY_TEXT
    assert "mã" in help_text.lower()


def test_the_same_event_delivered_twice_is_handled_once(session, clock, org_id, server, zalo_dialog):
    code = invite(session, clock, org_id, "tp-vhxh")
    bound = server.event(CHAT, code)
    listing = server.event(CHAT, "/viec")
    marker = server.event(CHAT, "/trogiup")
    # The copy comes before a later message; once that later message is answered, the copy was handled.
    Polling(server, zalo_dialog).run([(bound, 1), (listing, 1), (listing, 0), (marker, 1)])
    assert len(server.texts_to(CHAT)) == 3


# The webhook.

def webhook_scenario(server: FakeZaloServer, dialog: Dialog,
                     posts: Callable[[httpx.AsyncClient, str], object]) -> None:
    async def scenario() -> None:
        webhooks = WebhookRoutes()
        async with channel_for(server) as channel, listening(webhooks) as listener:
            bot = ZaloBot(channel, dialog, options=FAST)
            hook = asyncio.create_task(bot.run_webhook(WEBHOOK_URL, SECRET, webhooks))
            try:
                await wait_for(lambda: server.webhook["url"] != "", hook)
                address = f"{listener.address}zalo/hook"
                async with httpx.AsyncClient(timeout=10) as client:
                    await posts(client, address)  # type: ignore[misc]
            finally:
                await stopped(hook)

    asyncio.run(scenario())


def test_the_webhook_refuses_a_wrong_or_missing_secret_and_handles_the_right_one_with_or_without_envelope(
    session, clock, org_id, server, zalo_dialog
):
    code = invite(session, clock, org_id, "tp-vhxh")
    statuses: list[int] = []

    async def posts(client: httpx.AsyncClient, address: str) -> None:
        bare = json.dumps(server.event(CHAT, code))
        enveloped = json.dumps({"ok": True, "result": server.event(CHAT, "/trogiup")})
        for headers, body in [({"X-Bot-Api-Secret-Token": "sai-bi-mat-roi"}, bare), ({}, bare),
                              ({"X-Bot-Api-Secret-Token": SECRET}, bare),
                              ({"X-Bot-Api-Secret-Token": SECRET}, bare),
                              ({"X-Bot-Api-Secret-Token": SECRET}, enveloped),
                              ({"X-Bot-Api-Secret-Token": SECRET}, json.dumps({"ok": True}))]:
            answer = await client.post(address, content=body, headers={"Content-Type": "application/json", **headers})
            statuses.append(answer.status_code)

    webhook_scenario(server, zalo_dialog, posts)

    assert statuses == [403, 403, 200, 200, 200, 400]
    assert server.webhook == {"url": WEBHOOK_URL, "secret_token": SECRET}
    welcome, help_text = server.texts_to(CHAT)  # the bare event delivered twice was answered once
    assert "đã được liên kết" in welcome and "/viec" in help_text


def test_switching_to_polling_deletes_the_webhook_first(server, zalo_dialog):
    async def scenario() -> None:
        async with channel_for(server) as channel:
            await channel.set_webhook(WEBHOOK_URL, SECRET)
            assert (await channel.get_webhook_info())["url"] == WEBHOOK_URL
            polling = asyncio.create_task(ZaloBot(channel, zalo_dialog, options=FAST).run_polling())
            try:
                await wait_for(lambda: "getUpdates" in server.methods_called(), polling)
            finally:
                await stopped(polling)
            assert (await channel.get_webhook_info())["url"] == ""

    asyncio.run(scenario())
    methods = server.methods_called()
    assert methods.index("deleteWebhook") < methods.index("getUpdates")


def test_polling_goes_on_after_server_errors(session, clock, org_id, server, zalo_dialog):
    server.fail_updates(2)
    code = invite(session, clock, org_id, "tp-vhxh")
    Polling(server, zalo_dialog).run([(server.event(CHAT, code), 1)])
    assert "đã được liên kết" in server.texts_to(CHAT)[0]

