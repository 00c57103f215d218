"""The web console's pages and actions, over HTTP: what each person sees (their unit only; another ward's
task absent), the overview's figures, the search without diacritics, the Excel export of the current view,
and every action going through the use cases with "web" and the signed-in person in the audit."""

from __future__ import annotations

import re
from datetime import date, timedelta
from io import BytesIO

import pytest
from builders import make_task, make_ward, unit
from openpyxl import load_workbook
from outbox_helpers import ward_with_chats
from sqlmodel import select
from web_helpers import form_token, running_console, signed_in_client, someone, visible_text

from tracker.models import AuditEvent, Task, TaskStatus, Update
from tracker.usecases import report_done

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
BOUND = ("tp-vhxh", "van-thu", "chu-tich", "tp-kthtdt")


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, BOUND)


def test_the_overview_counts_each_units_tasks_by_class_and_lists_the_longest_overdue_first(
        engine, session, clock, ward):
    today = clock.now().date()
    late = make_task(session, clock, ward, "vhxh", due=today - timedelta(days=20), title="Rà soát hộ nghèo",
                     assigned_on=today - timedelta(days=40))
    later = make_task(session, clock, ward, "kthtdt", due=today - timedelta(days=2), title="Sửa đường ngõ 5",
                      assigned_on=today - timedelta(days=30))
    make_task(session, clock, ward, "vhxh", due=today + timedelta(days=9), title="Tổ chức hội diễn")
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        page = b.get("/").text
    text = visible_text(page)
    assert "Quá hạn (2 nhiệm vụ)" in text
    assert text.index(f"#{late.id} Rà soát hộ nghèo") < text.index(f"#{later.id} Sửa đường ngõ 5")
    assert "quá 20 ngày" in text
    row = re.search(r"Phòng Văn hóa - Xã hội ((?:\d+ ){7})", text)
    assert row and row.group(1).split() == ["0", "0", "0", "1", "1", "0", "2"]
    assert "<svg" in page and "Phòng Văn hóa - Xã hội: đang thực hiện quá hạn 1" in page
    assert not ISO_DATE.search(text), ISO_DATE.search(text)


def test_a_unit_head_sees_only_the_units_tasks_and_another_wards_task_is_absent(engine, session, clock, ward):
    own = make_task(session, clock, ward, "vhxh", title="Việc của phòng văn hóa")
    other = make_task(session, clock, ward, "kthtdt", title="Việc của phòng kinh tế")
    elsewhere_org = make_ward(session, clock, key="phuong-khac")
    elsewhere = make_task(session, clock, elsewhere_org, "vhxh", title="Việc của phường khác")
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, \
            signed_in_client(address, session, head.id, "tp-vhxh", ward="phuong-mau") as b:
        listing = visible_text(b.get("/nhiem-vu").text)
        assert "Việc của phòng văn hóa" in listing and "Việc của phòng kinh tế" not in listing
        assert b.get(f"/nhiem-vu/{own.id}").status_code == 200
        assert b.get(f"/nhiem-vu/{other.id}").status_code == 403
        assert b.get(f"/nhiem-vu/{elsewhere.id}").status_code == 404
        other_unit = unit(session, ward, "kthtdt").id
        session.commit()
        assert b.get(f"/nhiem-vu?don_vi={other_unit}").status_code == 403
        token = form_token(b.get(f"/nhiem-vu/{own.id}").text)
        refused = b.post(f"/nhiem-vu/{other.id}/bao-xong", data={"csrf": token})
        assert refused.status_code == 403 and "không có quyền" in refused.text
    session.expire_all()
    assert session.get(Task, other.id).status == TaskStatus.OPEN


def test_searching_without_diacritics_finds_the_words_with_them(engine, session, clock, ward):
    poor = make_task(session, clock, ward, "vhxh", title="Rà soát danh sách HỘ NGHÈO, hộ cận nghèo")
    make_task(session, clock, ward, "vhxh", title="Kiểm tra vệ sinh an toàn thực phẩm")
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        whole = b.get("/nhiem-vu", params={"tu_khoa": "ho ngheo"}).text
        part = b.get("/nhiem-vu", params={"tu_khoa": "Hộ  nghèo"}, headers={"HX-Request": "true"}).text
    assert f"/nhiem-vu/{poor.id}" in whole and "vệ sinh" not in whole and "1 nhiệm vụ" in visible_text(whole)
    assert "<html" not in part and f"/nhiem-vu/{poor.id}" in part  # htmx gets the results only


def test_the_excel_export_holds_the_filtered_view_every_page_of_it(engine, session, clock, ward):
    for n in range(60):
        make_task(session, clock, ward, "vhxh", title=f"Việc văn hóa số {n}", due=date(2026, 6, 1 + n % 28))
    make_task(session, clock, ward, "kthtdt", title="Việc kinh tế")
    clerk = someone(session, ward, "van-thu")
    vhxh = unit(session, ward, "vhxh").id
    session.commit()
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        listing = visible_text(b.get("/nhiem-vu", params={"don_vi": vhxh}).text)
        export = b.get("/nhiem-vu.xlsx", params={"don_vi": vhxh})
    assert "60 nhiệm vụ, trang 1/2" in listing
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 60 and {r[3] for r in rows} == {"Phòng Văn hóa - Xã hội"}
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r[6]) for r in rows)


def test_reporting_a_result_on_the_page_stores_it_as_the_signed_in_person_through_the_web(
        engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29))
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, head.id, "tp-vhxh") as b:
        token = form_token(b.get(f"/nhiem-vu/{task.id}").text)
        done = b.post(f"/nhiem-vu/{task.id}/ket-qua", data={
            "csrf": token, "phien_ban": "1", "ket_qua": "Đã rà soát 120 hộ theo Quyết định số 15/QĐ-UBND ngày "
                                                         "12/5/2026.", "du_bao": "Hoàn thành đúng hạn"})
        assert done.status_code == 303
        page = visible_text(b.get(done.headers["location"]).text)
    assert "Đã lưu báo cáo kết quả." in page and "Đã rà soát 120 hộ" in page
    assert "Tháng 05/2026" in page and not ISO_DATE.search(page)
    update = session.exec(select(Update).where(Update.task_id == task.id)).one()
    assert (update.person_id, update.channel, update.forecast) == (head.id, "web", "Hoàn thành đúng hạn")
    event = session.exec(select(AuditEvent).where(AuditEvent.entity == "update")).one()
    assert (event.actor_id, event.channel) == (head.id, "web")


def test_confirming_reopening_and_cancelling_go_through_the_lifecycle_with_reasons(engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29))
    head = someone(session, ward, "tp-vhxh")
    report_done(session, clock=clock, actor=head, task_id=task.id, channel="telegram")
    session.commit()
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        token = form_token(b.get(f"/nhiem-vu/{task.id}").text)
        assert b.post(f"/nhiem-vu/{task.id}/xac-nhan", data={"csrf": token, "phien_ban": "2"}).status_code == 303
        no_reason = b.post(f"/nhiem-vu/{task.id}/mo-lai", data={"csrf": token, "phien_ban": "3", "ly_do": ""})
        assert no_reason.status_code == 400 and "lý do" in no_reason.text.lower()
        assert b.post(f"/nhiem-vu/{task.id}/mo-lai", data={"csrf": token, "phien_ban": "3",
                                                           "ly_do": "Chưa đủ hồ sơ"}).status_code == 303
        stale = b.post(f"/nhiem-vu/{task.id}/huy", data={"csrf": token, "phien_ban": "3", "ly_do": "Trùng"})
        assert stale.status_code == 409 and "vừa được người khác thay đổi" in stale.text
        assert b.post(f"/nhiem-vu/{task.id}/huy", data={"csrf": token, "phien_ban": "4",
                                                        "ly_do": "Trùng với nhiệm vụ khác"}).status_code == 303
        history = visible_text(b.get(f"/nhiem-vu/{task.id}").text)
    session.expire_all()
    assert session.get(Task, task.id).status == TaskStatus.CANCELLED
    for line in ("báo đã xong", "xác nhận hoàn thành", "mở lại — lý do: Chưa đủ hồ sơ",
                 "hủy — lý do: Trùng với nhiệm vụ khác"):
        assert line in history, line
    assert "(Telegram)" in history and "(trang quản lý)" in history


def test_an_extension_asked_on_the_page_is_decided_on_the_page_by_the_chairman(engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29))
    head, chairman = someone(session, ward, "tp-vhxh"), someone(session, ward, "chu-tich")
    with running_console(engine, clock) as address:
        with signed_in_client(address, session, head.id, "tp-vhxh") as b:
            token = form_token(b.get(f"/nhiem-vu/{task.id}").text)
            asked = b.post(f"/nhiem-vu/{task.id}/gia-han", data={"csrf": token, "han_moi": "15/6/2026",
                                                                 "ly_do": "Chờ số liệu của tổ dân phố"})
            assert asked.status_code == 303
        with signed_in_client(address, session, chairman.id, "chu-tich") as b:
            overview = visible_text(b.get("/").text)
            assert "xin đến 15/06/2026" in overview
            page = b.get(f"/nhiem-vu/{task.id}").text
            request_id = re.search(r'name="de_nghi" value="(\d+)"', page).group(1)
            decided = b.post(f"/nhiem-vu/{task.id}/duyet-gia-han", data={
                "csrf": form_token(page), "de_nghi": request_id, "quyet_dinh": "dong-y", "y_kien": "Đồng ý"})
            assert decided.status_code == 303
    session.expire_all()
    assert session.get(Task, task.id).due_on == date(2026, 6, 15)


def test_a_form_posted_to_an_unknown_action_or_with_a_wrong_date_changes_nothing(engine, session, clock, ward):
    task = make_task(session, clock, ward, "vhxh", due=date(2026, 5, 29))
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        token = form_token(b.get(f"/nhiem-vu/{task.id}").text)
        assert b.post(f"/nhiem-vu/{task.id}/xoa", data={"csrf": token}).status_code == 404
        wrong = b.post(f"/nhiem-vu/{task.id}/sua", data={"csrf": token, "noi_dung": "Mới", "han": "31/02/2026"})
        assert wrong.status_code == 400 and "không có thật" in wrong.text
    session.expire_all()
    assert session.get(Task, task.id).title == "Rà soát đối tượng bảo trợ xã hội"
