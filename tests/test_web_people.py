"""The web console's Người dùng pages, over HTTP: who sees them (the administrator, the office, the leaders; not a
unit head), the administrator's invite code shown once with its t.me link and QR code and binding a chat, open
codes cancelled, a chat unbound after a confirmation so that nothing more goes to it, the preferred channel,
and forms without the session's token refused."""

from __future__ import annotations

import re

import pytest
from builders import make_ward, person
from outbox_helpers import ward_with_chats
from sqlmodel import select
from web_helpers import form_token, running_console, signed_in_client, someone, visible_text

from tracker.errors import InvalidInputError
from tracker.models import AuditEvent, InviteCode, Person
from tracker.outbox import reachable_chat
from tracker.usecases import bind_chat, person_for_chat

BOUND = ("quan-tri", "van-thu", "chu-tich", "tp-vhxh")
CODE = re.compile(r'<p class="code">([A-Z0-9]{8})</p>')


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, BOUND)


def test_the_administrator_sees_everyone_with_role_unit_and_chats_on_each_channel(engine, session, clock, ward):
    admin = someone(session, ward, "quan-tri")
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        home = b.get("/").text
        listing = b.get("/nguoi-dung")
    assert 'href="/nguoi-dung"' in home
    assert listing.status_code == 200
    text = visible_text(listing.text)
    row = visible_text(next(r for r in listing.text.split("<tr") if f"/nguoi-dung/{head.id}\"" in r))
    assert head.name in row and "trưởng đơn vị" in row and "Phòng Văn hóa - Xã hội" in row
    assert "đã gắn 18/05/2026 chưa gắn" in row  # Telegram bound, Zalo not
    assert "Telegram" in text and "Zalo" in text and "đã gắn 18/05/2026" in text and "chưa gắn" in text
    assert f'href="/nguoi-dung/{head.id}"' in listing.text


def test_an_invite_code_issued_on_the_page_is_shown_once_with_its_link_and_qr_and_binds_a_chat(
        engine, session, clock, ward, monkeypatch):
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "phuong_mau_bot")
    admin = someone(session, ward, "quan-tri")
    newcomer = someone(session, ward, "tp-kthtdt")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        token = form_token(b.get(f"/nguoi-dung/{newcomer.id}").text)
        issued = b.post(f"/nguoi-dung/{newcomer.id}/ma-moi", data={"csrf": token})
        code = CODE.search(issued.text).group(1)
        again = b.get(f"/nguoi-dung/{newcomer.id}").text
        identity = bind_chat(session, clock=clock, channel="zalo", external_id="zalo-kthtdt", code=code)
        session.commit()
        after = visible_text(b.get(f"/nguoi-dung/{newcomer.id}").text)
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    text = visible_text(issued.text)
    assert "Hết hạn lúc 21/05/2026 08:00" in text and f"/start {code}" in text
    assert f'href="https://t.me/phuong_mau_bot?start={code}"' in issued.text
    assert re.search(r'<svg role="img"[^>]*class="qr"><title>Mã QR', issued.text)
    assert code not in again and "có, hết hạn 21/05/2026 08:00" in visible_text(again)
    assert identity.person_id == newcomer.id
    assert person_for_chat(session, channel="zalo", external_id="zalo-kthtdt").id == newcomer.id
    assert "Zalo: gắn lúc" in after and "Mã mời chờ dùng không có" in after
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "invite", AuditEvent.action == "issue")
                         .order_by(AuditEvent.id.desc())).first()
    assert (event.actor_id, event.channel) == (admin.id, "web")


def test_without_the_bots_name_the_qr_code_holds_the_start_command(engine, session, clock, ward, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    admin = someone(session, ward, "quan-tri")
    newcomer = someone(session, ward, "tp-kthtdt")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        token = form_token(b.get(f"/nguoi-dung/{newcomer.id}").text)
        issued = b.post(f"/nguoi-dung/{newcomer.id}/ma-moi", data={"csrf": token}).text
    code = CODE.search(issued).group(1)
    assert "t.me" not in issued and f"Mã QR chứa dòng «/start {code}»" in visible_text(issued)
    assert re.search(r'<svg[^>]*class="qr"', issued)


def test_office_and_leaders_see_the_people_but_only_the_administrator_changes_them(engine, session, clock, ward):
    clerk, chairman = someone(session, ward, "van-thu"), someone(session, ward, "chu-tich")
    head, newcomer = someone(session, ward, "tp-vhxh"), someone(session, ward, "tp-kthtdt")
    with running_console(engine, clock) as address:
        with signed_in_client(address, session, clerk.id, "van-thu") as b:
            assert b.get("/nguoi-dung").status_code == 200
            page = b.get(f"/nguoi-dung/{newcomer.id}").text
            assert "Cấp mã mời mới" not in page and "Bỏ gắn" not in page
            refused = b.post(f"/nguoi-dung/{newcomer.id}/ma-moi", data={"csrf": form_token(page)})
            assert refused.status_code == 403 and "không có quyền" in refused.text
            unbind = b.post(f"/nguoi-dung/{head.id}/bo-gan", data={"csrf": form_token(page), "kenh": "telegram",
                                                                  "xac_nhan": "1"})
            assert unbind.status_code == 403
        with signed_in_client(address, session, chairman.id, "chu-tich") as b:
            assert b.get("/nguoi-dung").status_code == 200
        with signed_in_client(address, session, head.id, "tp-vhxh") as b:
            assert 'href="/nguoi-dung"' not in b.get("/").text
            assert b.get("/nguoi-dung").status_code == 403
            assert b.get(f"/nguoi-dung/{head.id}").status_code == 403
    session.expire_all()
    assert session.exec(select(InviteCode).where(InviteCode.person_id == newcomer.id)).first() is None
    assert reachable_chat(session, head.id) is not None


def test_a_form_without_the_sessions_token_issues_and_unbinds_nothing(engine, session, clock, ward):
    admin, head = someone(session, ward, "quan-tri"), someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        forged = b.post(f"/nguoi-dung/{head.id}/ma-moi", data={"csrf": "khong-phai-ma-cua-trang"})
        missing = b.post(f"/nguoi-dung/{head.id}/bo-gan", data={"kenh": "telegram", "xac_nhan": "1"})
    assert forged.status_code == 400 and missing.status_code == 400
    assert CODE.search(forged.text) is None
    session.expire_all()
    opened = session.exec(select(InviteCode).where(InviteCode.person_id == head.id,
                                                   InviteCode.used_at.is_(None))).first()
    assert opened is None
    assert reachable_chat(session, head.id) is not None


def test_unbinding_a_chat_after_confirming_stops_messages_going_to_it(engine, session, clock, ward):
    admin, head = someone(session, ward, "quan-tri"), someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        page = b.get(f"/nguoi-dung/{head.id}").text
        assert "Bỏ gắn Telegram" in page
        unconfirmed = b.post(f"/nguoi-dung/{head.id}/bo-gan", data={"csrf": form_token(page), "kenh": "telegram"})
        assert unconfirmed.status_code == 400 and "xác nhận" in unconfirmed.text
        session.expire_all()
        assert reachable_chat(session, head.id) is not None
        session.commit()
        done = b.post(f"/nguoi-dung/{head.id}/bo-gan", data={"csrf": form_token(page), "kenh": "telegram",
                                                             "xac_nhan": "1"})
        assert done.status_code == 303
        after = visible_text(b.get(done.headers["location"]).text)
    assert "Đã bỏ gắn chat" in after and "Chưa gắn chat nào" in after
    session.expire_all()
    assert reachable_chat(session, head.id) is None
    assert person_for_chat(session, channel="telegram", external_id="chat-tp-vhxh") is None
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "binding", AuditEvent.action == "unbind")).one()
    assert (event.actor_id, event.channel) == (admin.id, "web")


def test_cancelling_open_codes_on_the_page_makes_the_code_shown_refused(engine, session, clock, ward):
    admin, newcomer = someone(session, ward, "quan-tri"), someone(session, ward, "tp-kthtdt")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        token = form_token(b.get(f"/nguoi-dung/{newcomer.id}").text)
        code = CODE.search(b.post(f"/nguoi-dung/{newcomer.id}/ma-moi", data={"csrf": token}).text).group(1)
        revoked = b.post(f"/nguoi-dung/{newcomer.id}/huy-ma", data={"csrf": token})
        assert revoked.status_code == 303
        assert "Đã hủy các mã mời chưa dùng." in b.get(revoked.headers["location"]).text
    with pytest.raises(InvalidInputError):
        bind_chat(session, clock=clock, channel="telegram", external_id="chat-kthtdt", code=code)
    session.rollback()


def test_the_preferred_channel_chosen_on_the_page_is_kept_and_another_is_refused(engine, session, clock, ward):
    admin, head = someone(session, ward, "quan-tri"), someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, admin.id, "quan-tri") as b:
        token = form_token(b.get(f"/nguoi-dung/{head.id}").text)
        chosen = b.post(f"/nguoi-dung/{head.id}/kenh-uu-tien", data={"csrf": token, "kenh": "zalo"})
        wrong = b.post(f"/nguoi-dung/{head.id}/kenh-uu-tien", data={"csrf": token, "kenh": "fax"})
    assert chosen.status_code == 303 and wrong.status_code == 400
    session.expire_all()
    assert session.get(Person, head.id).preferred_channel == "zalo"


def test_a_person_of_another_ward_is_absent(engine, session, clock, ward):
    other_ward = make_ward(session, clock, key="phuong-khac")
    stranger = person(session, other_ward, "tp-vhxh")
    admin = someone(session, ward, "quan-tri")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, admin.id, "quan-tri", ward="phuong-mau") as b:
        assert b.get(f"/nguoi-dung/{stranger.id}").status_code == 404
        token = form_token(b.get("/nguoi-dung").text)
        assert b.post(f"/nguoi-dung/{stranger.id}/ma-moi", data={"csrf": token}).status_code == 404
