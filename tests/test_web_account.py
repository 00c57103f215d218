"""The console's Tài khoản page: a person who signed in with a chat code sets their own password there and
signs in with it later; their other sessions end and this one stays; a password typed differently twice,
too short, or posted without the session's CSRF token changes nothing. Served on loopback, driven over HTTP,
and in a real headless Chromium on a phone screen."""

from __future__ import annotations

import pytest
from browser_helpers import OVERFLOW, UNLABELLED, needs_chromium, phone_page, sign_in
from outbox_helpers import ward_with_chats
from web_helpers import client, form_token, running_console, sign_in_code, signed_in_client, someone

from tracker.usecases.web_sign_in import MIN_PASSWORD

PASSWORD = "mật khẩu của trưởng phòng"


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, ("tp-vhxh",))


def sign_in_with_password(address: str, key: str, password: str) -> int:
    with client(address) as browser:
        token = form_token(browser.get("/dang-nhap").text)
        return browser.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": key, "mat_khau": password}
                            ).status_code


def test_a_person_signed_in_by_chat_sets_a_password_keeps_this_session_and_ends_the_others(
        engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, head.id, "tp-vhxh") as phone, \
            signed_in_client(address, session, head.id, "tp-vhxh") as computer:
        account = computer.get("/tai-khoan")
        assert account.status_code == 200 and "chưa đặt" in account.text
        assert sign_in_with_password(address, "tp-vhxh", PASSWORD) == 401
        saved = computer.post("/tai-khoan/mat-khau", data={"csrf": form_token(account.text), "mat_khau": PASSWORD,
                                                           "nhap_lai": PASSWORD})
        assert saved.status_code == 303 and saved.headers["location"] == "/tai-khoan?xong=mat-khau"
        after = computer.get(saved.headers["location"])
        assert "Đã đặt mật khẩu" in after.text and "đã đặt" in after.text
        assert phone.get("/").status_code == 303  # the other device was signed out
        assert sign_in_with_password(address, "tp-vhxh", PASSWORD) == 303


@pytest.mark.parametrize(("typed", "again", "said"), [
    (PASSWORD, PASSWORD + "!", "không giống nhau"),
    ("ngắn", "ngắn", f"ít nhất {MIN_PASSWORD} ký tự"),
])
def test_a_password_typed_differently_twice_or_too_short_changes_nothing(engine, session, clock, ward,
                                                                        typed, again, said):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, head.id, "tp-vhxh") as browser:
        token = form_token(browser.get("/tai-khoan").text)
        refused = browser.post("/tai-khoan/mat-khau", data={"csrf": token, "mat_khau": typed, "nhap_lai": again})
        assert refused.status_code == 400 and said in refused.text
        assert sign_in_with_password(address, "tp-vhxh", typed) == 401
        assert browser.get("/tai-khoan").status_code == 200


def test_a_password_form_without_the_sessions_token_changes_nothing(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, head.id, "tp-vhxh") as browser:
        forged = browser.post("/tai-khoan/mat-khau", data={"csrf": "giả", "mat_khau": PASSWORD,
                                                           "nhap_lai": PASSWORD})
        assert forged.status_code == 400
        assert sign_in_with_password(address, "tp-vhxh", PASSWORD) == 401


def test_a_visitor_without_a_session_is_sent_to_sign_in(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        assert browser.get("/tai-khoan").headers["location"] == "/dang-nhap?tiep=%2Ftai-khoan"


@needs_chromium
def test_on_a_phone_the_person_reaches_the_page_from_their_name_and_sets_a_password_with_the_keyboard(
        engine, session, clock, ward, tmp_path):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, phone_page() as page:
        sign_in(page, address, "/", "tp-vhxh", lambda: sign_in_code(session, head.id))
        page.get_by_role("link", name=head.name).click()
        page.wait_for_url(address + "/tai-khoan")
        assert page.evaluate(UNLABELLED) == []
        assert page.evaluate(OVERFLOW) <= 0
        page.get_by_label("Mật khẩu mới", exact=True).fill(PASSWORD)
        page.get_by_label("Nhập lại mật khẩu mới").fill(PASSWORD)
        page.keyboard.press("Enter")
        page.get_by_text("Đã đặt mật khẩu.").wait_for()
        page.screenshot(path=tmp_path / "tai-khoan.png", full_page=True)
        assert sign_in_with_password(address, "tp-vhxh", PASSWORD) == 303
