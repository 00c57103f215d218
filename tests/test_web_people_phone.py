"""The Người dùng pages in a real headless Chromium on a 360-px phone screen: the administrator reaches them
from the menu, issues an invite code with the keyboard alone and sees the code and its QR code within the
screen; the browser itself asks for the confirmation before a chat is unbound; every field is labelled."""

from __future__ import annotations

from browser_helpers import OVERFLOW, UNLABELLED, needs_chromium, phone_page, sign_in
from builders import make_ward
from outbox_helpers import bind_person
from web_helpers import running_console, sign_in_code, someone

from tracker.outbox import reachable_chat

pytestmark = needs_chromium


def test_the_administrator_issues_an_invite_on_a_phone_with_the_keyboard_and_the_qr_fits(
        engine, session, clock):
    ward = make_ward(session, clock)
    for key in ("quan-tri", "tp-vhxh"):
        bind_person(session, clock, ward, key, "telegram", f"chat-{key}")
    admin, head = someone(session, ward, "quan-tri"), someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, phone_page() as page:
        sign_in(page, address, "/nguoi-dung", "quan-tri", lambda: sign_in_code(session, admin.id))
        assert page.evaluate(OVERFLOW) <= 0
        page.get_by_role("link", name=head.name).click()
        page.wait_for_url(f"{address}/nguoi-dung/{head.id}")
        assert page.evaluate(UNLABELLED) == []
        assert page.evaluate(OVERFLOW) <= 0

        page.get_by_role("button", name="Bỏ gắn Telegram").click()  # not confirmed: the browser says so
        assert page.url == f"{address}/nguoi-dung/{head.id}"
        page.get_by_role("button", name="Cấp mã mời mới").focus()
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=f"Mã mời mới của {head.name}").wait_for()
        code = page.locator("p.code").inner_text()
        qr = page.locator("svg.qr").bounding_box()
        assert len(code) == 8 and qr is not None and qr["width"] >= 120 and qr["x"] + qr["width"] <= 360
        assert page.evaluate(OVERFLOW) <= 0
    session.expire_all()
    assert reachable_chat(session, head.id) is not None
