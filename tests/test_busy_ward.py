"""A busy morning on the embedded SQLite: a notice downloading slowly into the bot, twenty people asking
/viec, and the sender delivering the reminders, all at once. Nobody meets "database is locked", nothing is
lost. (On PostgreSQL the same runs; it has no single write lock to wait for.)"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

from builders import make_task, person
from dialog_helpers import Chat, bind
from document_files import as_docx
from fake_channel import FakeApiChannel, FakeChatServer
from outbox_helpers import FakeTime, bind_person, enqueue, log_channel

from bots.dialog import Dialog
from bots.messages import InboundFile
from jobs.sender import Sender

HEADS = ("tp-vhxh", "tp-kthtdt", "gd-ttpvhcc", "gd-ttdvsnc", "cht-bchqs", "tca", "tt-tyt", "gd-bqlda")


def test_a_slow_upload_twenty_task_lists_and_the_sender_at_once_meet_no_lock(session, clock, engine, org_id,
                                                                            tmp_path):
    for n in range(5):
        make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 20 + n), title=f"Việc {n + 1}")
    for key in HEADS:
        bind_person(session, clock, org_id, key, "telegram", f"chat-{key}")
    reminders = [enqueue(session, clock, org_id, key, f"Nhắc việc cho {key}.") for key in HEADS]
    downloading, go_on = threading.Event(), threading.Event()
    notice = as_docx(["THÔNG BÁO", "1. Phòng Văn hóa - Xã hội phường", "- Rà soát hộ nghèo trước ngày 30/6/2026."])

    def slow_fetch(ref: str, max_bytes: int) -> bytes:
        downloading.set()
        assert go_on.wait(120)
        return notice

    dialog = Dialog(engine, clock, files={"telegram": slow_fetch})
    office = bind(session, clock, dialog, org_id, "van-thu")
    heads = [Chat(dialog, f"viec-{n}") for n in range(20)]
    for n, chat in enumerate(heads):
        invite_and_bind(session, clock, dialog, org_id, HEADS[n % len(HEADS)], chat)

    with FakeChatServer() as server, ThreadPoolExecutor(8) as pool:
        sender = Sender(engine, clock, {"telegram": FakeApiChannel(server.url, timeout=60.0),
                                        "log": log_channel(tmp_path / "o.log")},
                        name="sender-a", sleep=FakeTime(clock).sleep)
        upload = pool.submit(office.deliver, replace(office.inbound(), file=InboundFile(
            name="thong-bao.docx", mime_type="", size=len(notice), ref="f-1")))
        assert downloading.wait(120)
        lists = [pool.submit(chat.send, "/viec") for chat in heads]
        sending = pool.submit(lambda: asyncio.run(drain(sender)))
        answers = [future.result(timeout=300) for future in lists]
        sent = sending.result(timeout=300)
        go_on.set()
        preview = upload.result(timeout=300)
        delivered = server.texts()

    assert all("nhiệm vụ" in answer for answer in answers), answers
    assert sent == len(reminders) and sorted(delivered) == sorted(f"Nhắc việc cho {key}." for key in HEADS)
    assert preview.startswith("thong-bao.docx: thông báo kết luận")


def invite_and_bind(session, clock, dialog, org_id, key, chat) -> None:  # type: ignore[no-untyped-def]
    from tracker.usecases import issue_invite

    invite = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                          person_id=person(session, org_id, key).id or 0)
    session.commit()
    assert "đã được liên kết" in chat.send(f"/start {invite.code}")


async def drain(sender: Sender) -> int:
    sent = 0
    while await sender.send_one():
        sent += 1
    return sent
