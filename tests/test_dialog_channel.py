"""/kenh in the dialog: the person's bound chats, which one gets the reminders, and choosing another."""

from __future__ import annotations

from builders import person
from dialog_helpers import bind, rows
from sqlmodel import select

from tracker import outbox
from tracker.models import AuditEvent, ChatIdentity, Notification


def _reminder_channel(session, clock, org_id, key: str) -> str:  # type: ignore[no-untyped-def]
    someone = person(session, org_id, key)
    outbox.enqueue(session, clock=clock, org_id=org_id, person_id=someone.id or 0, kind="daily",
                   day=clock.now().date(), body="Nhắc việc: 1 nhiệm vụ sắp đến hạn.")
    channel = session.exec(select(Notification.channel).where(Notification.person_id == someone.id)).one()
    session.commit()
    return channel


def test_a_person_bound_on_both_channels_chooses_zalo_and_the_reminders_go_there(
    engine, session, clock, org_id, dialog
):
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    bind(session, clock, dialog, org_id, "tp-vhxh", "zalo-vhxh", channel="zalo")

    shown = head.send("/kenh")
    assert "- Telegram\n- Zalo" in shown
    assert "Nhắc việc và tin nhắn định kỳ đang gửi qua Telegram." in shown
    assert head.labels == ["Telegram", "Zalo"]

    assert head.press("Zalo") == "Đã chọn Zalo: từ nay nhắc việc và tin nhắn định kỳ gửi qua Zalo."
    assert _reminder_channel(session, clock, org_id, "tp-vhxh") == "zalo"
    event = rows(engine, AuditEvent, AuditEvent.entity == "person", AuditEvent.action == "update")[-1]
    assert event.before is not None and event.after is not None
    assert (event.before["preferred_channel"], event.after["preferred_channel"], event.channel) == (
        None, "zalo", "telegram")
    assert "đang gửi qua Zalo" in head.send("/kenh")


def test_on_zalo_the_channel_is_chosen_by_typing_its_number_or_its_name(session, clock, org_id, dialog):
    bind(session, clock, dialog, org_id, "tp-vhxh")
    zalo = bind(session, clock, dialog, org_id, "tp-vhxh", "zalo-vhxh", channel="zalo")

    zalo.send("/kenh")
    assert zalo.send("2") == "Đã chọn Zalo: từ nay nhắc việc và tin nhắn định kỳ gửi qua Zalo."
    zalo.send("/kenh")
    assert zalo.send("telegram").startswith("Đã chọn Telegram")
    assert _reminder_channel(session, clock, org_id, "tp-vhxh") == "telegram"


def test_with_one_channel_bound_kenh_says_so_and_offers_no_choice(session, clock, org_id, dialog):
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    shown = head.send("/kenh")
    assert "- Telegram" in shown and "Zalo" not in shown
    assert "mới liên kết một kênh" in shown
    assert head.labels == []


def test_choosing_a_channel_the_bot_cannot_reach_keeps_the_messages_on_the_other(
    engine, session, clock, org_id, dialog
):
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    bind(session, clock, dialog, org_id, "tp-vhxh", "zalo-vhxh", channel="zalo")
    blocked = session.exec(select(ChatIdentity).where(ChatIdentity.external_id == "zalo-vhxh")).one()
    blocked.unreachable_at = clock.now()
    session.add(blocked)
    session.commit()

    assert "- Zalo (bot không gửi được tin qua kênh này)" in head.send("/kenh")
    assert "tạm thời vẫn gửi qua kênh còn liên lạc được" in head.press("Zalo")
    assert _reminder_channel(session, clock, org_id, "tp-vhxh") == "telegram"


def test_trogiup_lists_kenh_for_everyone_bound(session, clock, org_id, dialog):
    for key in ("tp-vhxh", "pct-vx", "van-thu"):
        assert "/kenh — chọn kênh chat nhận nhắc việc" in bind(session, clock, dialog, org_id, key).send("/trogiup")
