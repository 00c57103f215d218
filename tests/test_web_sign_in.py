"""Signing in to the web console: a one-time code sent to the person's bound chat, or a password; sessions in
the database that end on sign-out, on inactivity and everywhere at once; limits on tries; CSRF on every form;
and nothing that tells whether a key exists. Served by uvicorn on loopback, driven over HTTP."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from builders import example_config
from outbox_helpers import ward_with_chats
from sqlmodel import col, select
from web_helpers import client, form_token, running_console, sign_in_code, signed_in_client, someone

from tracker.models import AuditEvent, Notification, WebSession
from tracker.outbox import readable_body
from tracker.usecases.setup import apply_ward_config
from tracker.usecases.web_sign_in import ADDRESS_FAILURES, CODE_ASKED, REFUSED, set_password

PASSWORD = "một mật khẩu đủ dài"


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, ("tp-vhxh",))


def ask(browser, key: str) -> str:
    token = form_token(browser.get("/dang-nhap").text)
    answer = browser.post("/dang-nhap/ma", data={"csrf": token, "khoa": key, "tiep": "/"})
    assert answer.status_code == 200
    return answer.text


def test_a_code_sent_to_the_bound_chat_signs_in_once(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, client(address) as browser:
        assert browser.get("/").headers["location"] == "/dang-nhap?tiep=%2F"
        token = form_token(browser.get("/dang-nhap").text)
        page = browser.post("/dang-nhap/ma", data={"csrf": token, "khoa": "TP-VHXH", "tiep": "/nhiem-vu"}).text
        assert CODE_ASKED in page
        code = sign_in_code(session, head.id)
        answer = browser.post("/dang-nhap/xac-nhan",
                              data={"csrf": token, "khoa": "tp-vhxh", "ma": code, "tiep": "/nhiem-vu"})
        assert answer.status_code == 303 and answer.headers["location"] == "/nhiem-vu"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
        assert browser.get("/").status_code == 200
        with client(address) as other:
            other_token = form_token(other.get("/dang-nhap").text)
            again = other.post("/dang-nhap/xac-nhan",
                               data={"csrf": other_token, "khoa": "tp-vhxh", "ma": code, "tiep": "/"})
            assert again.status_code == 401 and REFUSED in again.text
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "web_sign_in")).all()
    assert [(e.actor_id, e.channel) for e in events] == [(head.id, "web")]


def test_asking_for_a_code_answers_alike_for_a_bound_an_unbound_and_an_unknown_key(engine, session, clock, ward):
    keys = ("tp-vhxh", "tp-kthtdt", "khong-co-ai")
    with running_console(engine, clock) as address, client(address) as browser:
        pages = [ask(browser, key) for key in keys]
    alike = {page.replace(form_token(page), "TOKEN").replace(key, "KEY") for page, key in zip(pages, keys, strict=True)}
    assert len(alike) == 1
    with pytest.raises(AssertionError):  # only the bound person got a code
        sign_in_code(session, someone(session, ward, "tp-kthtdt").id)


def test_a_code_older_than_ten_minutes_no_longer_signs_in(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        token = form_token(ask(browser, "tp-vhxh"))
        code = sign_in_code(session, someone(session, ward, "tp-vhxh").id)
        clock.advance(timedelta(minutes=10, seconds=1))
        answer = browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "tp-vhxh", "ma": code})
        assert answer.status_code == 401 and REFUSED in answer.text


def test_five_wrong_codes_make_the_right_one_useless(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        token = form_token(ask(browser, "tp-vhxh"))
        code = sign_in_code(session, someone(session, ward, "tp-vhxh").id)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            assert browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "tp-vhxh",
                                                             "ma": wrong}).status_code == 401
        answer = browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "tp-vhxh", "ma": code})
        assert answer.status_code == 401


def test_an_address_that_fails_too_often_is_told_to_wait_whatever_key_it_tries(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        token = form_token(browser.get("/dang-nhap").text)
        for n in range(20):
            browser.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": f"ai-{n}", "mat_khau": "sai"})
        answer = browser.post("/dang-nhap/ma", data={"csrf": token, "khoa": "tp-vhxh"})
        assert answer.status_code == 429 and "Quá nhiều lần thử đăng nhập" in answer.text
    with pytest.raises(AssertionError):
        sign_in_code(session, someone(session, ward, "tp-vhxh").id)


def test_a_password_signs_in_and_a_wrong_one_gets_the_same_line_as_an_unknown_key(engine, session, clock, ward):
    admin, clerk = someone(session, ward, "quan-tri"), someone(session, ward, "van-thu")
    set_password(session, clock=clock, actor=admin, person_id=clerk.id, password=PASSWORD)
    session.commit()
    with running_console(engine, clock) as address, client(address) as browser:
        token = form_token(browser.get("/dang-nhap").text)
        wrong = browser.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": "van-thu", "mat_khau": "sai rồi"})
        unknown = browser.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": "khong-co", "mat_khau": "sai"})
        assert wrong.status_code == unknown.status_code == 401
        assert REFUSED in wrong.text and REFUSED in unknown.text
        right = browser.post("/dang-nhap/mat-khau", data={"csrf": token, "khoa": "van-thu", "mat_khau": PASSWORD})
        assert right.status_code == 303


def test_a_sign_in_form_without_its_token_is_refused(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        browser.get("/dang-nhap")
        answer = browser.post("/dang-nhap/ma", data={"csrf": "giả", "khoa": "tp-vhxh"})
        assert answer.status_code == 400
    with pytest.raises(AssertionError):
        sign_in_code(session, someone(session, ward, "tp-vhxh").id)


def test_a_form_of_a_signed_in_person_without_the_session_token_changes_nothing(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, head.id, "tp-vhxh") as browser:
        answer = browser.post("/dang-xuat", data={"csrf": "của trang khác"})
        assert answer.status_code == 400
        assert browser.get("/").status_code == 200  # still signed in


def test_signing_out_ends_the_session_and_everywhere_ends_the_others(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, head.id, "tp-vhxh") as phone, \
            signed_in_client(address, session, head.id, "tp-vhxh") as office:
        token = form_token(phone.get("/").text)
        assert phone.post("/dang-xuat", data={"csrf": token}).headers["location"] == "/dang-nhap"
        assert phone.get("/").status_code == 303
        assert office.get("/").status_code == 200
        page = office.get("/").text
        assert 'action="/dang-xuat/moi-noi"' in page
        office.post("/dang-xuat/moi-noi", data={"csrf": form_token(page)})
        assert office.get("/").status_code == 303
    assert all(row.revoked_at for row in session.exec(select(WebSession)))


def test_a_session_unused_for_eight_hours_ends(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, head.id, "tp-vhxh") as browser:
        clock.advance(timedelta(hours=7, minutes=59))
        assert browser.get("/").status_code == 200
        clock.advance(timedelta(hours=7, minutes=59))
        assert browser.get("/").status_code == 200  # used in between: still alive
        clock.advance(timedelta(hours=8))
        assert browser.get("/").headers["location"].startswith("/dang-nhap")


def test_cookies_are_secure_behind_an_https_address(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock, base_url="https://nhiemvu.phuong.example") as address, client(address) as b:
        page = b.get("/dang-nhap")
        assert "secure" in page.headers["set-cookie"].lower()
        # The client keeps Secure cookies for https only; the form's cookie is sent by hand, as a browser would.
        token = form_token(page.text)
        b.post("/dang-nhap/ma", data={"csrf": token, "khoa": "tp-vhxh"}, headers={"cookie": f"tracker_form={token}"})
        answer = b.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "tp-vhxh",
                                                     "ma": sign_in_code(session, head.id)},
                        headers={"cookie": f"tracker_form={token}"})
        assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_signing_in_never_sends_the_person_to_another_site(engine, session, clock, ward, target):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, client(address) as browser:
        token = form_token(ask(browser, "tp-vhxh"))
        answer = browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "tp-vhxh", "tiep": target,
                                                           "ma": sign_in_code(session, head.id)})
        assert answer.headers["location"] == "/"


BASE_URL = "http://nhiemvu.phuong-mau.example"  # http: the test client does not send Secure cookies


def sign_in_link(session, person_id: int) -> str:  # type: ignore[no-untyped-def]
    """The path of the link in the newest sign-in message queued for the person, as their chat shows it."""
    row = session.exec(select(Notification).where(Notification.person_id == person_id,
                                                  Notification.kind == "web_sign_in")
                       .order_by(col(Notification.id).desc())).first()
    session.commit()  # ends the read: on SQLite an open transaction would hold the console's writes back
    assert row is not None
    found = re.search(re.escape(BASE_URL) + r"(/dang-nhap/lien-ket/[A-Za-z0-9_-]{40,})", row.body)
    assert found, row.body
    return found.group(1)


def press(browser, link: str):  # type: ignore[no-untyped-def]
    """Open the link's page and press its button, as a person does."""
    page = browser.get(link)
    assert page.status_code == 200 and "Đăng nhập" in page.text
    return browser.post(link, data={"csrf": form_token(page.text)})


def test_the_link_sent_with_the_code_signs_in_on_the_button_only_once_and_uses_the_code_up(
        engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock, base_url=BASE_URL) as address, client(address) as browser:
        ask(browser, "tp-vhxh")
        link, code = sign_in_link(session, head.id), sign_in_code(session, head.id)
        with client(address) as preview:  # a chat app fetching the link to show its preview
            assert preview.get(link).status_code == 200
            assert preview.get("/").status_code == 303
        assert session.exec(select(WebSession)).all() == []
        session.commit()  # ends the read: on SQLite an open transaction would hold the console's writes back
        answer = press(browser, link)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        with client(address) as other:
            assert press(other, link).status_code == 401
            other_token = form_token(other.get("/dang-nhap").text)
            by_code = other.post("/dang-nhap/xac-nhan", data={"csrf": other_token, "khoa": "tp-vhxh", "ma": code})
            assert by_code.status_code == 401 and REFUSED in by_code.text
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "web_sign_in")).all()
    assert [(e.actor_id, e.after["by"]) for e in events] == [(head.id, "link")]


def test_a_link_whose_code_was_used_an_expired_link_and_a_forged_one_are_refused_alike(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock, base_url=BASE_URL) as address, client(address) as browser:
        token = form_token(ask(browser, "tp-vhxh"))
        link, code = sign_in_link(session, head.id), sign_in_code(session, head.id)
        assert browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "tp-vhxh", "ma": code}
                            ).status_code == 303
        with client(address) as other:
            used = press(other, link)
            ask(other, "tp-vhxh")
            expiring = sign_in_link(session, head.id)
            clock.advance(timedelta(minutes=10, seconds=1))
            expired = press(other, expiring)
            forged = press(other, "/dang-nhap/lien-ket/" + "A" * 43)
            unposted = other.post(expiring, data={"csrf": "khong-phai-trang-nay"})
    for refused in (used, expired, forged):
        assert refused.status_code == 401 and REFUSED in refused.text
    assert unposted.status_code == 400


def test_the_outbox_hides_the_sign_in_link_as_it_hides_the_code(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock, base_url=BASE_URL) as address, client(address) as browser:
        ask(browser, "tp-vhxh")
    link = sign_in_link(session, head.id)
    row = session.exec(select(Notification).where(Notification.kind == "web_sign_in")).one()
    session.commit()
    assert link in row.body and link not in readable_body(row) and "lien-ket" not in readable_body(row)


def test_without_the_consoles_address_the_message_carries_the_code_alone(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        ask(browser, "tp-vhxh")
    row = session.exec(select(Notification).where(Notification.kind == "web_sign_in")).one()
    session.commit()
    assert "lien-ket" not in row.body and re.search(r"\b\d{6}\b", row.body)


def test_the_link_page_is_neither_cached_nor_named_as_the_referrer(engine, session, clock, ward):
    # Why: the link's address is the credential; a proxy's cache or the Referer sent to the next site would
    # hand it on.
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock, base_url=BASE_URL) as address, client(address) as browser:
        ask(browser, "tp-vhxh")
        page = browser.get(sign_in_link(session, head.id))
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_two_presses_of_one_link_at_the_same_moment_open_one_session(engine, session, clock, ward):
    # Why: a double click, or a chat app's preview racing the person, must not turn one link into two sessions.
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock, base_url=BASE_URL) as address, client(address) as browser:
        ask(browser, "tp-vhxh")
        link = sign_in_link(session, head.id)
        browsers = [client(address) for _ in range(4)]
        tokens = [form_token(b.get(link).text) for b in browsers]
        start = threading.Barrier(len(browsers))

        def press_now(n: int) -> int:
            start.wait()
            return browsers[n].post(link, data={"csrf": tokens[n]}).status_code

        with ThreadPoolExecutor(len(browsers)) as pool:
            answers = sorted(pool.map(press_now, range(len(browsers))))
        for b in browsers:
            b.close()
    assert answers == [303, 401, 401, 401]
    assert len(session.exec(select(WebSession)).all()) == 1


def test_an_address_that_tries_too_many_forged_links_is_told_to_wait(engine, session, clock, ward):
    with running_console(engine, clock, base_url=BASE_URL) as address, client(address) as browser:
        forged = [press(browser, f"/dang-nhap/lien-ket/{n:043d}") for n in range(ADDRESS_FAILURES + 1)]
    assert {answer.status_code for answer in forged[:ADDRESS_FAILURES]} == {401}
    assert forged[-1].status_code == 429


def with_phone(session, clock, key: str, phone: str) -> None:  # type: ignore[no-untyped-def]
    """The example ward's file applied again, the person `key` now with `phone` in it."""
    config = example_config("phuong-mau", "Phường phuong-mau")
    people = [p.model_copy(update={"phone": phone}) if p.key == key else p for p in config.people]
    apply_ward_config(session, clock=clock, config=config.model_copy(update={"people": people}))
    session.commit()


def test_a_phone_number_written_any_usual_way_signs_in_as_the_key_does(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with_phone(session, clock, "tp-vhxh", "0900 000 001")
    with running_console(engine, clock) as address, client(address) as browser:
        start = browser.get("/dang-nhap").text
        assert "Khóa người dùng hoặc số điện thoại" in start
        token = form_token(start)
        page = browser.post("/dang-nhap/ma", data={"csrf": token, "khoa": "+84 900.000.001", "tiep": "/"}).text
        assert CODE_ASKED in page
        answer = browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": "+84 900.000.001",
                                                           "ma": sign_in_code(session, head.id), "tiep": "/"})
        assert answer.status_code == 303
        with client(address) as other:
            other_token = form_token(other.get("/dang-nhap").text)
            other.post("/dang-nhap/ma", data={"csrf": other_token, "khoa": "0900 000 009", "tiep": "/"})
    asked = session.exec(select(Notification).where(Notification.kind == "web_sign_in")).all()
    assert [row.person_id for row in asked] == [head.id]  # nobody has the other number: nothing was sent
