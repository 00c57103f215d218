"""Office staff's commands in the dialog: /duyet, /mo and /huy with their reasons, /thieu and /phuluc."""

from datetime import date
from io import BytesIO

import docx
import pytest
from builders import make_task, person
from dialog_helpers import bind, rows

from bots.dialog import ChannelCaps, Dialog
from tracker.models import Task, TaskStatus
from tracker.usecases.progress import record_update
from tracker.usecases.tasks import report_done


def _reported(session, clock, org_id, title="Rà soát hộ nghèo"):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30), title=title)
    report_done(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id)
    session.commit()
    return task


def _status(engine, task):
    return next(t for t in rows(engine, Task) if t.id == task.id)


def test_duyet_lists_the_reported_tasks_and_xac_nhan_confirms_one(session, clock, engine, org_id, dialog):
    first = _reported(session, clock, org_id)
    second = _reported(session, clock, org_id, "Tổng kết phong trào")
    office = bind(session, clock, dialog, org_id, "van-thu")
    reply = office.send("/duyet")
    assert reply.startswith("2 nhiệm vụ đơn vị báo đã hoàn thành, chờ xác nhận:")
    assert office.labels == ["Xác nhận 1", "Mở lại 1", "Xác nhận 2", "Mở lại 2"]
    confirm = office.button("Xác nhận 1")
    assert office.press("Xác nhận 1") == f"Đã xác nhận hoàn thành nhiệm vụ #{first.id}: Rà soát hộ nghèo"
    assert _status(engine, first).status == TaskStatus.DONE
    assert _status(engine, second).status == TaskStatus.REPORTED_DONE
    again = office.send(button=confirm.data)  # the use case refuses a second confirmation
    assert again == f"Không thể xác nhận hoàn thành nhiệm vụ số {first.id} vì nhiệm vụ đã hoàn thành."
    assert office.send("/duyet").startswith("1 nhiệm vụ")


def test_mo_lai_from_duyet_asks_a_reason_then_reopens(session, clock, engine, org_id, dialog):
    task = _reported(session, clock, org_id)
    leader = bind(session, clock, dialog, org_id, "pct-vx")
    leader.send("/duyet")
    assert "Lý do mở lại nhiệm vụ?" in leader.press("Mở lại 1")
    assert _status(engine, task).status == TaskStatus.REPORTED_DONE
    assert "Lý do: Chưa có văn bản kèm theo" in leader.send("Chưa có văn bản kèm theo")
    stored = _status(engine, task)
    assert (stored.status, stored.status_reason) == (TaskStatus.OPEN, "Chưa có văn bản kèm theo")


def test_mo_reopens_a_done_task_picked_from_the_list(session, clock, engine, org_id, dialog):
    task = _reported(session, clock, org_id)
    office = bind(session, clock, dialog, org_id, "van-thu")
    office.send("/duyet")
    office.press("Xác nhận 1")
    assert office.send("/mo").startswith("Chọn nhiệm vụ cần mở lại:")
    assert "Lý do mở lại" in office.press("1")
    assert f"Đã mở lại nhiệm vụ #{task.id}" in office.send("Báo cáo nhầm")
    assert _status(engine, task).status == TaskStatus.OPEN


def test_huy_requires_a_reason_before_anything_changes(session, clock, engine, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30))
    office = bind(session, clock, dialog, org_id, "van-thu")
    assert "Lý do hủy nhiệm vụ?" in office.send(f"/huy #{task.id}")
    assert _status(engine, task).status == TaskStatus.OPEN
    assert office.send("/thoat") == "Đã thoát. Chưa có gì được lưu thêm."
    assert _status(engine, task).status == TaskStatus.OPEN
    office.send("/huy")
    office.press("1")
    assert f"Đã hủy nhiệm vụ #{task.id}" in office.send("Trùng với nhiệm vụ khác")
    stored = _status(engine, task)
    assert (stored.status, stored.status_reason) == (TaskStatus.CANCELLED, "Trùng với nhiệm vụ khác")


@pytest.mark.parametrize("command", ["/duyet", "/mo", "/huy"])
def test_a_unit_head_is_refused_politely(session, clock, engine, org_id, dialog, command):
    _reported(session, clock, org_id)
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert head.send(command).startswith("Lệnh này dành cho lãnh đạo UBND phường và Văn phòng.")
    assert head.labels == []


def _docx_text(content):
    document = docx.Document(BytesIO(content))
    return "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)


def test_phuluc_sends_the_months_appendix_as_a_word_file_with_its_figures(session, clock, org_id, dialog):
    task = make_task(session, clock, org_id, due=date(2026, 5, 30), title="Rà soát hộ nghèo")
    record_update(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                  result_text="Đã rà soát 120 hộ")
    session.commit()
    office = bind(session, clock, dialog, org_id, "van-thu")
    office.send("/phuluc 5/2026")
    [reply] = office.last
    assert reply.text.startswith("Phụ lục 1 tháng 5/2026: Từ 01/5/2026 đến 18/5/2026, tổng số nhiệm vụ")
    assert reply.file is not None and reply.file.name == "phu-luc-1-thang-2026-05.docx"
    cells = _docx_text(reply.file.content)
    assert "Rà soát hộ nghèo" in cells and "Đã rà soát 120 hộ" in cells
    office.send("/phuluc")
    assert office.last[0].file is not None and office.last[0].file.name == "phu-luc-1-thang-2026-05.docx"


def test_phuluc_of_an_empty_month_is_still_a_file(session, clock, org_id, dialog):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    leader = bind(session, clock, dialog, org_id, "chu-tich")
    leader.send("/phuluc 1/2026")
    assert "Không có nhiệm vụ nào trong tháng 1/2026." in _docx_text(leader.last[0].file.content)


def test_phuluc_on_a_channel_without_files_gives_the_figures_and_where_to_get_the_file(session, clock, engine,
                                                                                       org_id):
    make_task(session, clock, org_id, due=date(2026, 5, 30))
    office = bind(session, clock, Dialog(engine, clock, channel_caps=ChannelCaps(files=False)), org_id, "van-thu")
    office.send("/phuluc 5/2026")
    [reply] = office.last
    assert reply.file is None
    assert "tổng số nhiệm vụ trọng tâm của các phòng, đơn vị là 01 nhiệm vụ" in reply.text
    assert "tracker report appendix --month 2026-05" in reply.text and "Telegram" in reply.text


def test_phuluc_with_a_malformed_month_says_how_to_write_it(session, clock, org_id, dialog):
    office = bind(session, clock, dialog, org_id, "van-thu")
    assert "ví dụ 2026-05 hoặc 5/2026" in office.send("/phuluc tháng năm")
    assert office.last[0].file is None


def test_thieu_groups_the_tasks_without_a_result_by_unit(session, clock, org_id, dialog):
    reported = make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 30), title="Đã báo cáo")
    make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 29), title="Rà soát hộ nghèo")
    for n in range(4):
        make_task(session, clock, org_id, "kthtdt", due=date(2026, 5, 20 + n), title=f"Sửa đường số {n + 1}")
    record_update(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=reported.id,
                  result_text="Xong phần rà soát")
    session.commit()
    office = bind(session, clock, dialog, org_id, "van-thu")
    lines = office.send("/thieu").splitlines()
    assert lines[0] == "Tháng 5/2026: 2 đơn vị còn 5 nhiệm vụ chưa báo cáo kết quả."
    vhxh = lines.index("Phòng Văn hóa - Xã hội: 1 nhiệm vụ")
    kt = lines.index("Phòng Kinh tế, Hạ tầng và Đô thị: 4 nhiệm vụ")
    assert lines[vhxh + 1].startswith("- Rà soát hộ nghèo (#")
    assert [line.split(" (#")[0] for line in lines[kt + 1:kt + 5]] == [
        "- Sửa đường số 1", "- Sửa đường số 2", "- Sửa đường số 3", "và 1 nhiệm vụ khác."]
    assert "Đã báo cáo" not in "\n".join(lines)


def test_thieu_says_when_every_task_has_a_result(session, clock, org_id, dialog):
    leader = bind(session, clock, dialog, org_id, "chu-tich")
    assert leader.send("/thieu") == "Tất cả nhiệm vụ của tháng 5/2026 đã có báo cáo kết quả."


@pytest.mark.parametrize("command", ["/thieu", "/phuluc"])
def test_a_unit_head_is_refused_the_reports(session, clock, org_id, dialog, command):
    head = bind(session, clock, dialog, org_id, "tp-kthtdt")
    assert head.send(command).startswith("Lệnh này dành cho lãnh đạo UBND phường và Văn phòng.")
    assert head.last[0].file is None


def test_trogiup_lists_the_office_and_leader_commands_only_to_those_who_may_use_them(session, clock, org_id,
                                                                                      dialog):
    office = bind(session, clock, dialog, org_id, "van-thu")
    shown = office.send("/trogiup")
    for command in ("/tonghop", "/donvi", "/duyet", "/mo [số]", "/huy [số]", "/thieu", "/phuluc [tháng/năm]"):
        assert f"\n{command} — " in shown
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert not any(f"/{c} " in head.send("/trogiup") for c in ("tonghop", "donvi", "duyet", "thieu", "phuluc"))
