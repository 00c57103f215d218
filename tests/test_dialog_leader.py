"""Leaders' commands in the dialog: /tonghop (the ward's overdue tasks by unit) and /donvi (one unit's tasks)."""

from datetime import date

import pytest
from builders import make_task
from dialog_helpers import bind


def test_tonghop_counts_overdue_tasks_by_unit_with_the_long_overdue_on_top(session, clock, org_id, dialog):
    # 18/5/2026 is a Monday: due 15/5 is 1 working day late, due 4/5 is 10.
    make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 15), title="Rà soát hộ nghèo",
              assigned_on=date(2026, 5, 1))
    late = make_task(session, clock, org_id, "kthtdt", due=date(2026, 5, 4), title="Sửa đường ngõ 5",
                     assigned_on=date(2026, 5, 1))
    make_task(session, clock, org_id, "vhxh", due=date(2026, 6, 30), title="Chưa đến hạn",
              assigned_on=date(2026, 5, 1))
    leader = bind(session, clock, dialog, org_id, "chu-tich")
    reply = leader.send("/tonghop")
    lines = reply.splitlines()
    assert lines[0] == ("Tổng hợp đến ngày 18/05/2026: 2 nhiệm vụ quá hạn, trong đó 1 quá hạn trên 3 ngày "
                        "làm việc.")
    assert lines[1] == "- Phòng Kinh tế, Hạ tầng và Đô thị: 1 (1 quá hạn trên 3 ngày làm việc)"
    assert lines[2] == "- Phòng Văn hóa - Xã hội: 1"
    assert f"1. Sửa đường ngõ 5 — Phòng Kinh tế, Hạ tầng và Đô thị, quá hạn 10 ngày làm việc (#{late.id})" in reply
    assert "Chưa đến hạn" not in reply and "Rà soát hộ nghèo" not in reply


def test_tonghop_without_overdue_tasks_says_so(session, clock, org_id, dialog):
    office = bind(session, clock, dialog, org_id, "van-thu")
    assert office.send("/tonghop") == "Không có nhiệm vụ nào quá hạn tính đến ngày 18/05/2026."


def test_donvi_lists_the_chosen_units_open_tasks_and_cuts_the_list(session, clock, org_id, dialog):
    for n in range(12):
        make_task(session, clock, org_id, "vhxh", due=date(2026, 6, n + 1), title=f"Việc số {n + 1}")
    leader = bind(session, clock, dialog, org_id, "pct-vx")
    assert leader.send("/donvi") == "Chọn đơn vị để xem nhiệm vụ đang thực hiện:"
    reply = leader.press("Phòng Văn hóa - Xã hội")
    lines = reply.splitlines()
    assert lines[0] == "Phòng Văn hóa - Xã hội: 12 nhiệm vụ đang thực hiện."
    assert lines[1].startswith("1. Việc số 1 — hạn 01/06/2026, còn 14 ngày (#")
    assert lines[-1] == "và 2 nhiệm vụ khác."
    assert "Thời hạn: 01/06/2026" in leader.press("1")


def test_donvi_of_a_unit_without_tasks_says_so(session, clock, org_id, dialog):
    office = bind(session, clock, dialog, org_id, "van-thu")
    office.send("/donvi")
    assert office.press("Trạm Y tế") == "Trạm Y tế không có nhiệm vụ nào đang thực hiện."


@pytest.mark.parametrize("command", ["/tonghop", "/donvi"])
def test_a_unit_head_is_refused_politely(session, clock, org_id, dialog, command):
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert head.send(command).startswith("Lệnh này dành cho lãnh đạo UBND phường và Văn phòng.")
    assert head.labels == []
