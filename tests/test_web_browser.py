"""The web console in a real headless Chromium (Debian's, driven by Playwright) on a 360-px phone screen: a
unit head signs in with the code from the chat, finds a task by typing without diacritics (htmx updates the
list in place), opens it and reports a result; every field is labelled and nothing is wider than the screen."""

from __future__ import annotations

from datetime import date

from browser_helpers import OVERFLOW, UNLABELLED, needs_chromium, phone_page, sign_in
from builders import make_task, make_ward
from outbox_helpers import bind_person
from sqlmodel import select
from web_helpers import running_console, sign_in_code, someone

from tracker.models import Update


@needs_chromium
def test_a_unit_head_signs_in_on_a_phone_finds_a_task_and_reports_a_result(engine, session, clock):
    ward = make_ward(session, clock)
    bind_person(session, clock, ward, "tp-vhxh", "telegram", "chat-tp-vhxh")
    task = make_task(session, clock, ward, "vhxh", title="Rà soát danh sách hộ nghèo, hộ cận nghèo",
                     due=date(2026, 5, 29))
    make_task(session, clock, ward, "vhxh", title="Tổ chức hội diễn văn nghệ")
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, phone_page() as page:
        page.goto(address + "/nhiem-vu")
        assert page.url.startswith(address + "/dang-nhap")
        assert page.evaluate(UNLABELLED) == []
        sign_in(page, address, "/nhiem-vu", "tp-vhxh", lambda: sign_in_code(session, head.id))
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
