"""parse_task_tables: the task tables of the annual plan (002, Phụ lục II) and of the May 2026 report
(000, Phụ lục 1 results and Phụ lục 5 plan), small hand-made tables, and text that is not a table at all."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import EXAMPLE_WARD_FILE
from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.model import ParsedTask
from tracker.importer.reading import read_document
from tracker.importer.tables import TableParse, parse_task_tables

REPORT = "000_fd44b82cfd10d0b4.txt"
PLAN = "002_bb20c4b39322e390.txt"
MONDAY = date(2026, 5, 18)
UNITS = UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE))

VHXH = "Phòng Văn hóa - Xã hội"
KT = "Phòng Kinh tế, Hạ tầng và Đô thị"
VP = "Văn phòng HĐND và UBND"
# The unit rows of the May report in their order, as configured in the example ward.
REPORT_UNITS = [
    VHXH, KT, VP, "Trung tâm Phục vụ hành chính công", "Trung tâm Dịch vụ sự nghiệp công",
    "Ban Chỉ huy Quân sự", "Công an phường", "Trạm Y tế", "Ban Quản lý dự án đầu tư xây dựng",
]
PLAN_HEADER = (
    "STT", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời hạn", "Lãnh đạo phường chỉ đạo", "Kết quả/sản phẩm",
)


def seed(shared_dir: Path, name: str) -> str:
    return (shared_dir / "seeds" / name).read_text(encoding="utf-8")


def parse(text: str, on: date = MONDAY) -> TableParse:
    return parse_task_tables(text, units=UNITS, on=on)


def table(*rows: tuple[str, ...]) -> str:
    return "\n".join("\t".join(row) for row in rows)


def by_ref(result: TableParse) -> dict[str, ParsedTask]:
    return {task.ref: task for task in result.tasks}


def owners_in_order(result: TableParse, prefix: str) -> list[tuple[str, int]]:
    """(unit, number of tasks) for each run of tasks of one owner, in the order of the table."""
    runs: list[tuple[str, int]] = []
    for task in result.tasks:
        if not task.ref.startswith(prefix):
            continue
        if runs and runs[-1][0] == task.owner.unit:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((task.owner.unit, 1))
    return runs


def stated_counts(text: str, appendix: str) -> list[int]:
    """The "(22 nhiệm vụ)" of each unit row of one appendix of the seed, read with a plain regex."""
    section = text.split(f"PHỤ LỤC {appendix}\n", 1)[1].split("PHỤ LỤC", 1)[0]
    return [int(n) for n in re.findall(r"^\d+\t[^\t]*\((\d+) nhiệm vụ\)", section, flags=re.MULTILINE)]


# ---- the annual plan (002): Phụ lục II, owners in their own column ----


def test_the_annual_plan_gives_its_37_tasks_each_owned_by_its_chu_tri_column(shared_dir):
    result = parse(seed(shared_dir, PLAN))
    assert [t.ref for t in result.tasks] == [str(n) for n in range(1, 38)]
    assert owners_in_order(result, "") == [(KT, 17), (VP, 7), (VHXH, 13)]
    assert all(t.review == [] for t in result.tasks)
    assert result.warnings == []


def test_the_annual_plan_keeps_leader_output_and_coordinating_units(shared_dir):
    tasks = by_ref(parse(seed(shared_dir, PLAN)))
    assert tasks["1"].leader == "Phó Chủ tịch UBND phường Mai Thế Ngọc"
    assert tasks["9"].expected_output == "Báo cáo kết quả thống kê đất đai năm 2025, biểu số liệu"
    assert tasks["1"].coordinating == []  # "Các phòng, đơn vị có liên quan" names nobody in particular
    partners = {c.text: c.unit for c in tasks["2"].coordinating}
    assert partners["Phòng Văn hóa - Xã hội"] == VHXH
    assert partners["Thống kê cơ sở An Lão"] is None  # an outside body, kept as written
    assert tasks["28"].title == 'Tiếp tục triển khai phong trào " Bình dân học vụ số "'  # no <i> left


def test_the_annual_plan_is_dated_from_its_own_text_and_its_deadlines_follow(shared_dir):
    result = parse(seed(shared_dir, PLAN), on=date(2030, 7, 1))
    assert (result.number, result.issued) == ("08/KH-UBND", date(2026, 1, 10))
    assert result.title == "NHIỆM VỤ TRỌNG TÂM TRIỂN KHAI THỰC HIỆN NĂM 2026"
    assert result.report_month is None
    tasks = by_ref(result)
    assert (tasks["9"].deadline.text, tasks["9"].deadline.due) == ("Tháng 3/2026", date(2026, 3, 31))
    assert tasks["1"].deadline.due == date(2026, 3, 31)  # Quý I/2026
    assert tasks["5"].deadline.kind == "recurring"


def test_the_plan_table_of_targets_in_phu_luc_i_gives_no_tasks(shared_dir):
    # Phụ lục I of the plan ("TT | Chỉ tiêu | ... | Phân công ...") assigns targets, not tasks.
    text = seed(shared_dir, PLAN)
    targets = text[text.index("PHỤ LỤC I\n") : text.index("PHỤ LỤC II\n")]
    assert parse(targets).tasks == []


# ---- the May 2026 report (000): Phụ lục 1 results and Phụ lục 5 plan, grouped by unit rows ----


def test_the_may_report_gives_94_results_and_76_planned_tasks(shared_dir):
    result = parse(seed(shared_dir, REPORT))
    prefixes = Counter(t.ref.split("-")[0] for t in result.tasks)
    assert prefixes == {"PL1": 94, "PL5": 76}
    assert len({t.ref for t in result.tasks}) == 170
    assert result.warnings == []


def test_every_task_of_the_may_report_belongs_to_the_unit_row_above_it(shared_dir):
    text = seed(shared_dir, REPORT)
    result = parse(text)
    assert stated_counts(text, "1") == [22, 19, 14, 4, 11, 8, 6, 7, 3]
    assert stated_counts(text, "5") == [16, 13, 13, 4, 6, 6, 10, 6, 2]
    assert owners_in_order(result, "PL1-") == list(zip(REPORT_UNITS, stated_counts(text, "1"), strict=True))
    assert owners_in_order(result, "PL5-") == list(zip(REPORT_UNITS, stated_counts(text, "5"), strict=True))
    tasks = by_ref(result)
    assert tasks["PL1-4.1"].owner.text == "Trung tâm Phục vụ Hành chính công phường"  # the count is not part of it
    assert all(t.review == [] for t in result.tasks)  # every unit row resolved


def test_a_results_row_carries_its_result_and_forecast(shared_dir):
    tasks = by_ref(parse(seed(shared_dir, REPORT)))
    task = tasks["PL1-2.8"]
    assert task.title == "Giải phóng mặt bằng Dự án đường nối Quốc lộ 5 và Quốc lộ 10"
    assert task.expected_output == "Các thông báo thu hồi đất"
    assert task.update is not None
    assert task.update.result.startswith("Đến nay 15/5/2026, đã ban hành quyết định duyệt phương án bồi thường")
    assert (task.update.forecast, task.update.recommendation) == ("Có khả năng hoàn thành", "")
    assert tasks["PL5-2.8"].update is None  # next month's plan reports nothing yet


def test_the_may_report_is_dated_by_its_attachment_line(shared_dir):
    # The place line reads "Phù Liễn, ngày tháng năm 2026": the date is in "(Kèm theo Báo cáo số ... ngày 27/5/2026".
    result = parse(seed(shared_dir, REPORT), on=date(2030, 1, 1))
    assert (result.number, result.issued) == ("234/BC-UBND", date(2026, 5, 27))
    assert result.title == "KẾT QUẢ THỰC HIỆN NHIỆM VỤ TRỌNG TÂM CỦA CÁC PHÒNG, ĐƠN VỊ THÁNG 5 NĂM 2026"
    assert result.report_month == "2026-05"


@pytest.mark.parametrize(
    ("ref", "text", "due"),
    [
        ("PL1-1.1", "Tháng 5", date(2026, 5, 31)),
        ("PL1-1.11", "tháng 5", date(2026, 5, 31)),
        ("PL1-1.5", "Trước ngày 23/5/2026", date(2026, 5, 23)),
        ("PL1-5.4", "Tháng 5, 6", date(2026, 6, 30)),
        ("PL1-7.1", "Quý II", date(2026, 6, 30)),
        ("PL5-1.1", "Tháng 6", date(2026, 6, 30)),
        ("PL5-9.1", "Trước ngày 02/7/2026", date(2026, 7, 2)),
    ],
)
def test_deadlines_are_read_against_the_report_date(shared_dir, ref, text, due):
    task = by_ref(parse(seed(shared_dir, REPORT), on=date(2030, 1, 1)))[ref]
    assert (task.deadline.text, task.deadline.due) == (text, due)


def test_tasks_start_on_the_first_day_of_the_month_their_plan_is_for_or_their_results_report_on(shared_dir):
    tasks = parse(seed(shared_dir, REPORT)).tasks
    assert {t.starts for t in tasks if t.ref.startswith("PL5-")} == {date(2026, 6, 1)}
    assert {t.starts for t in tasks if t.ref.startswith("PL1-")} == {date(2026, 5, 1)}


@pytest.mark.parametrize(
    ("ref", "kind", "due", "starts"),
    [
        ("PL5-1.1", "month", date(2026, 6, 30), date(2026, 6, 1)),  # Tháng 6
        ("PL5-1.14", "month", date(2026, 6, 30), date(2026, 5, 1)),  # Tháng 5, 6
        ("PL5-5.3", "month", date(2026, 8, 31), date(2026, 6, 1)),  # Từ tháng 6 - 8
        ("PL5-9.2", "date", date(2026, 7, 7), date(2026, 7, 1)),  # Trong tuần đầu tháng 7 năm 2026
        ("PL5-1.8", "date", date(2026, 6, 10), None),  # Trước ngày 10/6/2026
        ("PL5-3.3", "recurring", None, None),  # Đầu các tuần trong tháng
    ],
)
def test_deadlines_of_the_plan_are_read_in_the_plans_month(shared_dir, ref, kind, due, starts):
    task = by_ref(parse(seed(shared_dir, REPORT), on=date(2030, 1, 1)))[ref]
    deadline = task.deadline
    assert (deadline.kind, deadline.due, deadline.starts, deadline.review) == (kind, due, starts, [])


def test_the_annual_plans_tasks_have_no_start_of_their_own(shared_dir):
    tasks = by_ref(parse(seed(shared_dir, PLAN)))
    assert {t.starts for t in tasks.values()} == {None}  # "NĂM 2026" names no month
    assert (tasks["9"].deadline.text, tasks["9"].deadline.starts) == ("Tháng 3/2026", date(2026, 3, 1))


def test_the_finance_and_figures_appendices_give_no_tasks(shared_dir):
    # Phụ lục 4 has a "Nội dung" column too; without a deadline, owner or output column it is not a task table.
    text = seed(shared_dir, REPORT)
    others = text[text.index("PHỤ LỤC 2\n") : text.index("PHỤ LỤC 5\n")]
    assert parse(others).tasks == []


def test_a_unit_row_whose_count_does_not_match_its_rows_is_warned(shared_dir):
    text = seed(shared_dir, REPORT).replace("Xã hội phường (22 nhiệm vụ)", "Xã hội phường (23 nhiệm vụ)")
    result = parse(text)
    assert len(result.tasks) == 170
    assert result.warnings == [
        "Phụ lục 1: nhóm «Phòng Văn hóa - Xã hội phường» ghi 23 nhiệm vụ nhưng bảng có 22 dòng nhiệm vụ."
    ]


def test_the_plan_table_read_from_a_word_file_gives_the_same_37_tasks(shared_dir):
    # Offices send .docx; its table must reach the parser as the same rows as the seed's text export.
    text = seed(shared_dir, PLAN)
    appendix = text[text.index("PHỤ LỤC II\n") :]
    heading = appendix.splitlines()[:4]
    rows = [line.split("\t") for line in appendix.splitlines() if "\t" in line and not line.startswith("STT")]
    document = docx.Document()
    for line in heading:
        document.add_paragraph(line)
    grid = document.add_table(rows=1 + len(rows), cols=len(PLAN_HEADER))
    for r, cells in enumerate([list(PLAN_HEADER), *rows]):
        for c, cell in enumerate(cells):
            grid.cell(r, c).text = cell
    buffer = io.BytesIO()
    document.save(buffer)
    read = read_document(data=buffer.getvalue(), name="x.docx", max_bytes=5_000_000)
    from_word, from_text = parse(read.text), parse(text)
    assert len(from_word.tasks) == 37
    assert [t.to_json() for t in from_word.tasks] == [t.to_json() for t in from_text.tasks]
    assert (from_word.number, from_word.issued) == ("08/KH-UBND", date(2026, 1, 10))


# ---- small tables ----

ALL_COLUMNS = {
    "STT": "1.",
    "Nhiệm vụ trọng tâm": "Rà soát hộ nghèo",
    "Đơn vị chủ trì": "Phòng VH-XH",
    "Đơn vị phối hợp": "Công an phường; Hội Nông dân phường",
    "Thời hạn": "Tháng 6/2026",
    "Lãnh đạo phường chỉ đạo": "Phó Chủ tịch Khúc Đình Phong",
    "Kết quả/ Sản phẩm": "Báo cáo",
    "Kết quả thực hiện": "Đã rà soát 40 hộ",
    "Dự báo khả năng hoàn thành mục tiêu đã đề ra (tháng 5)": "Hoàn thành",
    "Kiến nghị, đề xuất (Nếu có)": "Bổ sung kinh phí",
}


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(list(ALL_COLUMNS)))
def test_columns_are_found_by_their_words_in_any_order(order):
    result = parse(table(tuple(order), tuple(ALL_COLUMNS[name] for name in order)))
    [task] = result.tasks
    assert (task.ref, task.title, task.owner.unit) == ("1", "Rà soát hộ nghèo", VHXH)
    assert [(c.text, c.unit) for c in task.coordinating] == [("Công an phường", "Công an phường"),
                                                            ("Hội Nông dân phường", None)]
    assert (task.deadline.text, task.deadline.due) == ("Tháng 6/2026", date(2026, 6, 30))
    assert (task.leader, task.expected_output) == ("Phó Chủ tịch Khúc Đình Phong", "Báo cáo")
    assert task.update is not None
    assert (task.update.result, task.update.forecast, task.update.recommendation) == (
        "Đã rà soát 40 hộ", "Hoàn thành", "Bổ sung kinh phí"
    )


def test_a_results_table_outside_any_appendix_takes_its_month_from_the_forecast_column():
    text = "\n".join([
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CHUYỂN ĐỔI SỐ",
        "(Kèm theo Báo cáo số 12/BC-UBND ngày 03/6/2026 của Ủy ban nhân dân phường)",
        table(tuple(ALL_COLUMNS), tuple(ALL_COLUMNS.values())),
    ])
    result = parse(text)
    assert (result.number, result.issued, result.report_month) == ("12/BC-UBND", date(2026, 6, 3), "2026-05")
    assert result.title == "KẾT QUẢ THỰC HIỆN NHIỆM VỤ CHUYỂN ĐỔI SỐ"
    assert [t.ref for t in result.tasks] == ["1"]


NEXT_MONTH_HEADER = ("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn", "Đơn vị phối hợp")


def plan_for(month_title: str, attached: str, *deadlines: str) -> str:
    rows = [(f"1.{n}", f"Việc {n}", "Báo cáo", text, "") for n, text in enumerate(deadlines, start=1)]
    return "\n".join([
        "PHỤ LỤC 5",
        f"PHƯƠNG HƯỚNG, NHIỆM VỤ TRỌNG TÂM CỦA CÁC PHÒNG, ĐƠN VỊ {month_title}",
        f"(Kèm theo Báo cáo số 234/BC-UBND ngày {attached} của Ủy ban nhân dân phường)",
        table(NEXT_MONTH_HEADER, ("1", "Công an phường (02 nhiệm vụ)", "", "", ""), *rows),
    ])


def test_a_plans_unnumbered_month_is_the_month_it_plans_for():
    tasks = parse(plan_for("THÁNG 6 NĂM 2026", "27/5/2026", "Cuối tháng", "Trong tháng")).tasks
    assert [(t.starts, t.deadline.due, t.deadline.starts) for t in tasks] == [
        (date(2026, 6, 1), date(2026, 6, 30), date(2026, 6, 1)),
        (date(2026, 6, 1), date(2026, 6, 30), date(2026, 6, 1)),
    ]
    assert [t.deadline.review for t in tasks] == [[], []]


def test_a_plan_for_january_made_in_december_starts_in_the_next_year():
    [task] = parse(plan_for("THÁNG 01", "26/12/2026", "Tháng 1")).tasks
    assert (task.starts, task.deadline.due) == (date(2027, 1, 1), date(2027, 1, 31))


def test_a_results_table_starts_on_its_months_first_day_and_a_table_without_a_month_gives_no_start():
    results = "\n".join(["KẾT QUẢ THỰC HIỆN NHIỆM VỤ THÁNG 5 NĂM 2026",
                         table(tuple(ALL_COLUMNS), tuple(ALL_COLUMNS.values()))])
    plain = "\n".join(["NHIỆM VỤ TRỌNG TÂM NĂM 2026",
                       table(PLAN_HEADER, ("1", "Việc", "Trạm Y tế", "", "Tháng 6", "", ""))])
    assert [t.starts for t in parse(results).tasks + parse(plain).tasks] == [date(2026, 5, 1), None]


def test_the_json_of_a_task_adds_its_start_and_keeps_every_other_key():
    [task] = parse(plan_for("THÁNG 6 NĂM 2026", "27/5/2026", "Tháng 6")).tasks
    data = task.to_json()
    assert list(data) == ["ref", "owner", "coordinating", "title", "expected_output", "deadline", "update", "review",
                          "starts"]
    assert (data["starts"], data["deadline"]["starts"]) == ("2026-06-01", "2026-06-01")


def test_an_owner_that_is_not_a_unit_of_the_ward_is_kept_for_review():
    result = parse(table(PLAN_HEADER, ("1.", "Tổng hợp số liệu", "Thống kê cơ sở An Lão", "", "Tháng 6/2026", "", "")))
    [task] = result.tasks
    assert (task.owner.text, task.owner.unit) == ("Thống kê cơ sở An Lão", None)
    assert task.review == ["Không nhận ra đơn vị chủ trì «Thống kê cơ sở An Lão»; cần chọn đơn vị."]


def test_a_unit_row_of_an_unknown_unit_puts_its_tasks_under_review():
    text = table(
        ("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn"),
        ("1", "Phòng Tư pháp phường (01 nhiệm vụ)", "", ""),
        ("1.1", "Rà soát văn bản", "Báo cáo", "Tháng 6"),
    )
    [task] = parse(text).tasks
    assert (task.owner.text, task.owner.unit) == ("Phòng Tư pháp phường", None)
    assert task.review == ["Không nhận ra đơn vị chủ trì «Phòng Tư pháp phường»; cần chọn đơn vị."]


def test_a_repeated_header_and_a_column_numbering_row_are_not_tasks():
    text = table(
        PLAN_HEADER,
        ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"),
        ("1.", "Việc một", "Văn phòng HĐND và UBND", "", "Tháng 6/2026", "", ""),
        ("",),
        PLAN_HEADER,
        ("2.", "Việc hai", "Công an phường", "", "Tháng 7/2026", "", ""),
    )
    result = parse(text)
    assert [(t.ref, t.title, t.owner.unit) for t in result.tasks] == [
        ("1", "Việc một", VP), ("2", "Việc hai", "Công an phường"),
    ]


def test_a_table_of_another_kind_ends_the_task_table_before_it():
    # Without a "PHỤ LỤC" line between them, the project table's rows must not become tasks of the plan.
    text = table(
        PLAN_HEADER,
        ("1.", "Việc một", "Văn phòng HĐND và UBND", "", "Tháng 6/2026", "", ""),
        ("STT", "Tên dự án", "Tổng vốn đầu tư", "Thời gian thực hiện"),
        ("1", "Cải tạo nhà văn hóa", "1,500,000,000", "2026"),
    )
    assert [t.title for t in parse(text).tasks] == ["Việc một"]


def test_a_row_broken_inside_a_cell_is_joined_to_its_task():
    # A page break or a line break inside a cell splits one row over two lines; neither half is a task.
    text = "\n".join([
        "\t".join(PLAN_HEADER),
        "1.\tXây dựng kế hoạch chuyển đổi số",
        "năm 2026\tVăn phòng HĐND và UBND\t\tQuý I/2026\t\tKế hoạch",
        "2.\tTổ chức hội nghị\tCông an phường\t\tTháng 6/2026\t\tBáo cáo",
        "\tvà tập huấn nghiệp vụ\t\t\t\t\tBiên bản",
    ])
    result = parse(text)
    assert [(t.ref, t.title, t.owner.unit, t.expected_output) for t in result.tasks] == [
        ("1", "Xây dựng kế hoạch chuyển đổi số năm 2026", VP, "Kế hoạch"),
        ("2", "Tổ chức hội nghị và tập huấn nghiệp vụ", "Công an phường", "Báo cáo Biên bản"),
    ]
    assert result.tasks[0].deadline.due == date(2026, 3, 31)


def test_two_tables_get_appendix_prefixes_and_a_repeated_number_gets_a_suffix():
    row = ("1.", "Việc", "Công an phường", "", "Tháng 6/2026", "", "")
    text = "\n".join(["PHỤ LỤC I", table(PLAN_HEADER, row, row), "", "PHỤ LỤC II", table(PLAN_HEADER, row)])
    result = parse(text)
    assert [t.ref for t in result.tasks] == ["PLI-1", "PLI-1-2", "PLII-1"]
    assert result.warnings == ["Phụ lục I: số thứ tự 1 lặp lại; nhiệm vụ sau được đánh số PLI-1-2."]


def test_cell_text_is_unicode_nfc_without_tags_or_extra_spaces():
    title = unicodedata.normalize("NFD", "<b>Rà soát hộ nghèo</b>   cuối  năm")  # as some editors save it
    [task] = parse(table(PLAN_HEADER, ("1", title, "Phòng VH-XH", "", "Năm 2026", "", "<i>Báo cáo</i>"))).tasks
    assert task.title == "Rà soát hộ nghèo cuối năm"
    assert task.expected_output == "Báo cáo"


def test_a_date_without_its_day_reads_deadlines_in_the_documents_year():
    row = ("1", "Việc", "Trạm Y tế", "", "Tháng 6", "", "")
    text = "\n".join(["Phù Liễn, ngày     tháng 5 năm 2026", table(PLAN_HEADER, row)])
    result = parse(text, on=date(2025, 1, 1))
    assert result.issued is None
    assert result.tasks[0].deadline.due == date(2026, 6, 30)


def test_text_without_a_task_table_gives_no_tasks_and_says_why():
    result = parse("Nơi nhận:\n- Như trên;\n- Lưu: VT.")
    assert result.tasks == []
    assert result.warnings and "STT" in result.warnings[0]


# ---- never raises ----

HEADER_WORDS = [*ALL_COLUMNS, "TT", "Nội dung", "Thời gian hoàn thành", "Sản phẩm", "Ghi chú", "(1)", "PHỤ LỤC 1"]
CELL_TEXT = st.one_of(
    st.sampled_from(HEADER_WORDS),
    st.sampled_from(["1", "1.1", "2.", "I", "-", "", "Tháng 13", "ngày 31/2/2026", "(5 nhiệm vụ)"]),
    st.sampled_from(["Phòng VH-XH (2 nhiệm vụ)", "Kèm theo Báo cáo số 1/BC-UBND ngày 31/2/2026", "Số: 9/KH"]),
    st.text(alphabet="aăâbcdđeêhoôơuưyàảãáạệữ ()/-.,;:<>&#0123456789", max_size=30),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=400))
def test_any_text_is_read_without_raising(text):
    result = parse(text)
    assert isinstance(result.tasks, list) and isinstance(result.warnings, list)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.one_of(st.just([]), st.permutations(list(ALL_COLUMNS)).map(lambda names: [names])),
    rows=st.lists(st.lists(CELL_TEXT, min_size=0, max_size=9), max_size=14),
)
def test_any_tab_separated_grid_is_read_without_raising(header, rows):
    result = parse("\n".join("\t".join(row) for row in header + rows))
    for task in result.tasks:
        assert task.ref and task.owner is not None
    assert len({t.ref for t in result.tasks}) == len(result.tasks)
