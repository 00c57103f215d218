"""Báo cáo in the web console, over HTTP: the month's figures and missing results, a task taken out of and
brought back into the month's appendix with a reason (audited as web), Phụ lục 1 and 5 downloaded and read
back as Word and Excel, and nothing of it for a unit head."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from builders import make_task, make_ward
from docx import Document
from openpyxl import load_workbook
from outbox_helpers import ward_with_chats
from sqlmodel import select
from web_helpers import form_token, running_console, signed_in_client, someone, visible_text

from tracker.models import AuditEvent
from tracker.usecases import record_update

MONTH = "05/2026"


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, ("van-thu", "tp-vhxh"))


def docx_text(content: bytes) -> str:
    document = Document(BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_office_sees_the_months_figures_and_what_is_missing_and_downloads_both_appendices(
        engine, session, clock, ward):
    reported = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29), title="Rà soát hộ nghèo",
                         assigned_on=date(2026, 5, 4))
    silent = make_task(session, clock, ward, "kthtdt", due=date(2026, 5, 25), title="Sửa đường ngõ 5",
                       assigned_on=date(2026, 5, 4))
    head = someone(session, ward, "tp-vhxh")
    record_update(session, clock=clock, actor=head, task_id=reported.id, result_text="Đã rà soát 120 hộ.")
    session.commit()
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        text = visible_text(b.get("/bao-cao", params={"thang": MONTH}).text)
        word = b.get("/bao-cao/phu-luc-1.docx", params={"thang": MONTH})
        excel = b.get("/bao-cao/phu-luc-5.xlsx", params={"thang": MONTH})
    assert "Chưa có kết quả báo cáo Phòng Kinh tế, Hạ tầng và Đô thị (1)" in text
    assert f"#{silent.id} Sửa đường ngõ 5" in text and "Nhiệm vụ trong Phụ lục 1 (2)" in text
    assert word.status_code == 200 and "phu-luc-1-thang-05-2026.docx" in word.headers["content-disposition"]
    assert "Đã rà soát 120 hộ." in docx_text(word.content) and "Sửa đường ngõ 5" in docx_text(word.content)
    sheet_text = " ".join(str(v) for row in load_workbook(BytesIO(excel.content)).active.iter_rows(values_only=True)
                          for v in row if v)
    assert "Rà soát hộ nghèo" in sheet_text


def test_a_task_taken_out_of_the_months_appendix_with_a_reason_is_gone_from_it_and_audited(
        engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29), title="Rà soát hộ nghèo",
                     assigned_on=date(2026, 5, 4))
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        token = form_token(b.get("/bao-cao", params={"thang": MONTH}).text)
        no_reason = b.post("/bao-cao/chon", data={"csrf": token, "thang": MONTH, "nhiem_vu": str(task.id),
                                                  "chon": "ra", "ly_do": ""})
        assert no_reason.status_code == 400
        out = b.post("/bao-cao/chon", data={"csrf": token, "thang": MONTH, "nhiem_vu": str(task.id), "chon": "ra",
                                            "ly_do": "Chuyển sang báo cáo quý"})
        assert out.status_code == 303
        page = visible_text(b.get(out.headers["location"]).text)
        word = b.get("/bao-cao/phu-luc-1.docx", params={"thang": MONTH})
    assert "Đã bỏ nhiệm vụ khỏi phụ lục tháng." in page and "Nhiệm vụ trong Phụ lục 1 (0)" in page
    assert "Rà soát hộ nghèo" not in docx_text(word.content)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "report_exclude")).one()
    assert (event.actor_id, event.channel, event.reason) == (clerk.id, "web", "Chuyển sang báo cáo quý")


def test_a_unit_head_has_no_report_page_and_no_appendix_to_download(engine, session, clock, ward):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, head.id, "tp-vhxh") as b:
        assert b.get("/bao-cao").status_code == 403
        assert b.get("/bao-cao/phu-luc-1.docx", params={"thang": MONTH}).status_code == 403
        assert 'href="/bao-cao"' not in b.get("/").text


def test_a_month_that_cannot_be_read_or_a_form_from_elsewhere_changes_nothing(engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        assert b.get("/bao-cao", params={"thang": "13/2026"}).status_code == 400
        forged = b.post("/bao-cao/chon", data={"csrf": "giả", "thang": MONTH, "nhiem_vu": str(task.id),
                                               "chon": "ra", "ly_do": "x"})
        assert forged.status_code == 400
        assert b.get("/bao-cao/phu-luc-9.docx").status_code == 404
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "report_exclude")).first() is None


def test_another_wards_tasks_are_in_neither_the_page_nor_the_appendix_and_cannot_be_taken_out(
        engine, session, clock, ward):
    other = make_ward(session, clock, "phuong-khac")
    theirs = make_task(session, clock, other, "vhxh", due=date(2026, 5, 29), title="Việc của phường khác",
                       assigned_on=date(2026, 5, 4))
    clerk = someone(session, ward, "van-thu")
    with (running_console(engine, clock) as address,
          signed_in_client(address, session, clerk.id, "van-thu", ward="phuong-mau") as b):
        page = b.get("/bao-cao", params={"thang": MONTH}).text
        word = b.get("/bao-cao/phu-luc-1.docx", params={"thang": MONTH})
        refused = b.post("/bao-cao/chon", data={"csrf": form_token(page), "thang": MONTH,
                                                "nhiem_vu": str(theirs.id), "chon": "ra", "ly_do": "thử"})
    assert "Việc của phường khác" not in visible_text(page)
    assert "Việc của phường khác" not in docx_text(word.content)
    assert refused.status_code == 404
