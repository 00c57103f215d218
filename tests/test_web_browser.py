"""The web console in a real headless Chromium (Debian's, driven by Playwright) on a 360-px phone screen: a
unit head signs in with the code from the chat, finds a task by typing without diacritics (htmx updates the
list in place), opens it and reports a result; every field is labelled and nothing is wider than the screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date

import pytest
from builders import make_task, make_ward
from outbox_helpers import bind_person
from sqlmodel import select
from web_helpers import running_console, sign_in_code, someone

from tracker.models import Update

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Flags for a machine without a display or a network to the outside (Chromium's background calls home would
# fail one by one and slow every start).
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
WAIT_MS = 120_000  # generous: a busy CI machine

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is missing (.ci/run installs it)")


@pytest.fixture
def phone() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=WAIT_MS)
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        context.set_default_timeout(WAIT_MS)
        try:
            yield context.new_page()
        finally:
            browser.close()


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(el => el.labels.length === 0 && !el.closest('label')).map(el => el.name)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_a_unit_head_signs_in_on_a_phone_finds_a_task_and_reports_a_result(engine, session, clock, phone):
    ward = make_ward(session, clock)
    bind_person(session, clock, ward, "tp-vhxh", "telegram", "chat-tp-vhxh")
    task = make_task(session, clock, ward, "vhxh", title="Rà soát danh sách hộ nghèo, hộ cận nghèo",
                     due=date(2026, 5, 29))
    make_task(session, clock, ward, "vhxh", title="Tổ chức hội diễn văn nghệ")
    head = someone(session, ward, "tp-vhxh")
    page = phone
    with running_console(engine, clock) as address:
        page.goto(address + "/nhiem-vu")
        assert page.url.startswith(address + "/dang-nhap")
        assert page.evaluate(UNLABELLED) == []
        page.get_by_label("Khóa người dùng").first.fill("tp-vhxh")
        page.get_by_role("button", name="Gửi mã đăng nhập").click()
        page.get_by_label("Mã đăng nhập").fill(sign_in_code(session, head.id))
        page.keyboard.press("Enter")
        page.wait_for_url(address + "/nhiem-vu")
        assert page.evaluate(UNLABELLED) == []
        assert page.evaluate(OVERFLOW) <= 0

        page.get_by_label("Tìm (không cần dấu)").fill("ho ngheo")
        results = page.locator("#ket-qua")
        results.get_by_text("1 nhiệm vụ").wait_for()
        assert "hội diễn" not in results.inner_text()
        assert "tu_khoa=ho%20ngheo" in page.url  # the filtered view has its own address (htmx pushes it)
        results.get_by_role("link", name="Rà soát danh sách hộ nghèo").click()

        page.wait_for_url(f"{address}/nhiem-vu/{task.id}")
        assert page.evaluate(UNLABELLED) == []
        assert page.evaluate(OVERFLOW) <= 0
        assert "29/05/2026" in page.inner_text("main")
        page.get_by_label("Kết quả thực hiện").fill("Đã rà soát 120 hộ, lập danh sách trình UBND phường.")
        page.get_by_role("button", name="Lưu báo cáo").click()
        page.get_by_text("Đã lưu báo cáo kết quả.").wait_for()
    update = session.exec(select(Update).where(Update.task_id == task.id)).one()
    assert (update.person_id, update.channel) == (head.id, "web")
    assert update.result_text == "Đã rà soát 120 hộ, lập danh sách trình UBND phường."
