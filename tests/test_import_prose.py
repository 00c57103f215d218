"""Directives written as prose, read through `parse_document`: who must act, with whom, by when, and what
is not a task. The texts are written for these tests in the language of real ward directives."""

from datetime import date

import pytest

from tests.builders import EXAMPLE_WARD_FILE
from tracker.config import load_ward_file
from tracker.importer.directive import NO_ASSIGNMENT, NO_YEAR
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.text import clean_text

VHXH = "Phòng Văn hóa - Xã hội"
KTHT = "Phòng Kinh tế, Hạ tầng và Đô thị"
CA = "Công an phường"
VP = "Văn phòng HĐND và UBND"
HEADER = "UỶ BAN NHÂN DÂN\nPHƯỜNG MẪU\nSố: 21/TB-UBND\nPhường Mẫu, ngày 04 tháng 6 năm 2026\n\n"


@pytest.fixture(scope="module")
def units():
    return UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE))


def parse(text, units, header=HEADER):
    return parse_document(clean_text(header + text), units=units, today=date(2026, 11, 23))


def owners(parsed):
    return [t.owner.unit or t.owner.text for t in parsed.tasks]


# One row per rule: the sentence, then the owners it gives in order.
OWNER_CASES = [
    # the object of giao / yêu cầu / đề nghị
    ("Giao Phòng Văn hóa - Xã hội rà soát danh sách hộ cận nghèo.", [VHXH]),
    ("Chủ tịch UBND phường yêu cầu Phòng Kinh tế, Hạ tầng và Đô thị khẩn trương thu dọn vật liệu.", [KTHT]),
    ("Đề nghị Công an phường tăng cường tuần tra ban đêm.", [CA]),
    # a title stands for its unit
    ("Chủ tịch UBND phường yêu cầu Trưởng Công an phường chỉ đạo lực lượng tuần tra khu chợ.", [CA]),
    ("Yêu cầu Chánh Văn phòng HĐND và UBND phường tham mưu lịch tiếp công dân.", [VP]),
    # "A và B", "A, B": one task each, not each other's coordinators
    ("Giao Phòng Văn hóa - Xã hội và Công an phường phối hợp kiểm tra các cơ sở lưu trú.", [VHXH, CA]),
    ("Giao Công an phường, Phòng Kinh tế, Hạ tầng và Đô thị ra quân dẹp lấn chiếm vỉa hè.", [CA, KTHT]),
    # a shared-prefix list after a colon
    ("Giao các phòng: Văn hóa - Xã hội, Kinh tế, Hạ tầng và Đô thị rà soát số liệu quý II.", [VHXH, KTHT]),
    # every unit
    ("Đề nghị các phòng, đơn vị chủ động rà soát thủ tục hành chính.", ["*"]),
    ("Yêu cầu thủ trưởng các cơ quan, đơn vị nghiêm túc thực hiện chế độ báo cáo.", ["*"]),
    # an owner opening its clause: passive, obligation
    ("Công an phường được giao chủ trì xây dựng phương án bảo vệ.", [CA]),
    ("Phòng Văn hóa - Xã hội có trách nhiệm hướng dẫn các tổ dân phố bình xét.", [VHXH]),
    # bodies outside the ward are kept as written
    ("Đề nghị Trung tâm Y tế khu vực phối hợp tổ chức tiêm chủng.", ["Trung tâm Y tế khu vực"]),
    ("Yêu cầu Chủ tịch UBND các xã Tân An, Hòa Bình kiểm tra việc khai thác cát.",
     ["UBND xã Tân An", "UBND xã Hòa Bình"]),
    # a body that acts is not a name: "các chi bộ | tổ chức sinh hoạt"
    ("Đồng chí Bí thư Đảng ủy phường yêu cầu các chi bộ tổ chức sinh hoạt chuyên đề.", ["các chi bộ"]),
    ("Đề nghị Ủy ban MTTQ Việt Nam phường và các tổ chức chính trị - xã hội phường vận động nhân dân.",
     ["Ủy ban MTTQ Việt Nam phường", "các tổ chức chính trị - xã hội phường"]),
]


@pytest.mark.parametrize(("sentence", "expected"), OWNER_CASES, ids=[c[0][:40] for c in OWNER_CASES])
def test_each_assignment_gets_the_owner_it_names(units, sentence, expected):
    parsed = parse(sentence, units)
    assert (parsed.kind, parsed.layout) == ("conclusion_notice", "prose")
    assert owners(parsed) == expected


# Sentences that assign nothing: praise, findings, the issuer's own intentions, petitions, persons.
NOT_TASKS = [
    "Hội nghị đánh giá cao tinh thần trách nhiệm của Phòng Văn hóa - Xã hội.",
    "Công an phường đã phối hợp tuần tra, bảo đảm an ninh trật tự dịp lễ.",
    "UBND phường sẽ tăng cường kiểm tra trật tự đô thị trong thời gian tới.",
    "Tổ dân phố số 5 đề nghị UBND phường xem xét công nhận danh hiệu khu dân cư văn hóa.",
    "Giao đồng chí Phó Chủ tịch UBND phường chỉ đạo tổng hợp kế hoạch.",
    "Trong tháng, Trạm Y tế tiêm chủng cho 120 trẻ em và khám cho 300 lượt người.",
    # an exhortation with nothing to do in it
    "Yêu cầu các phòng chuyên môn, đơn vị sự nghiệp công lập thuộc UBND phường nghiêm túc thực hiện.",
]


@pytest.mark.parametrize("sentence", NOT_TASKS, ids=[s[:40] for s in NOT_TASKS])
def test_a_sentence_that_assigns_nothing_gives_no_task(units, sentence):
    assert parse(sentence, units).tasks == []


def test_a_numbered_notice_without_unit_sections_reads_every_item_and_the_meeting(units):
    parsed = parse("THÔNG BÁO\nKết luận của Chủ tịch UBND phường tại cuộc họp giao ban\n\n"
                   "Ngày 05/6/2026, Chủ tịch UBND phường chủ trì cuộc họp giao ban và kết luận như sau:\n\n"
                   "1. Về cải cách hành chính: Giao Trung tâm Phục vụ hành chính công rà soát quy trình nội bộ; "
                   "báo cáo UBND phường trước ngày 15/6/2026.\n\n"
                   "2. Văn phòng HĐND và UBND phường theo dõi, đôn đốc việc thực hiện.\n\n"
                   "Hội nghị đánh giá cao sự nỗ lực của các đơn vị.\n\nNơi nhận:\n- Các phòng, đơn vị;\n- Lưu: VT.",
                   units)
    assert owners(parsed) == ["Trung tâm Phục vụ hành chính công", VP]
    assert parsed.meeting == date(2026, 6, 5)
    assert [t.deadline.due for t in parsed.tasks] == [date(2026, 6, 15), None]
    assert parsed.tasks[1].deadline.default == date(2026, 6, 30)


def test_in_a_notice_of_conclusions_a_unit_opening_a_sentence_owns_it(units):
    notice = HEADER + "THÔNG BÁO\nKết luận của Chủ tịch UBND phường tại buổi làm việc\n\n"
    parsed = parse("Văn phòng HĐND và UBND phường tham mưu kế hoạch kiểm tra công vụ năm 2026.\n\n"
                   "Công an phường, Ban Chỉ huy Quân sự phường phối hợp bảo đảm an ninh dịp lễ 2/9.", units,
                   header=notice)
    assert owners(parsed) == [VP, CA, "Ban Chỉ huy Quân sự"]


def test_a_units_name_before_a_colon_owns_what_follows(units):
    parsed = parse("Trung tâm Phục vụ hành chính công phường: tiếp tục nâng cao chất lượng giải quyết thủ tục "
                   "hành chính; không để hồ sơ trễ hạn.", units)
    assert owners(parsed) == ["Trung tâm Phục vụ hành chính công"] * 2


def test_a_units_heading_owns_the_items_under_it_until_the_next_section(units):
    parsed = parse("KẾ HOẠCH\nTổ chức các hoạt động hè năm 2026\n\nIII. TỔ CHỨC THỰC HIỆN\n\n"
                   "1. Phòng Văn hóa - Xã hội\n\n- Chủ trì xây dựng kế hoạch chi tiết, trình UBND phường trước ngày "
                   "20/6/2026.\n\n- Phối hợp với Đoàn Thanh niên phường tổ chức lễ khai mạc hè.\n\n"
                   "2. Công an phường\n\nBảo đảm an ninh trật tự tại các điểm vui chơi trong tháng 7/2026.\n\n"
                   "3. Kinh phí\n\nKinh phí thực hiện từ nguồn ngân sách phường.", units)
    assert [(t.owner.unit, t.deadline.due) for t in parsed.tasks] == [
        (VHXH, date(2026, 6, 20)), (VHXH, None), (CA, date(2026, 7, 31))]
    assert [c.text for c in parsed.tasks[1].coordinating] == ["Đoàn Thanh niên phường"]


def test_a_report_gives_no_task_and_says_it_is_a_report(units):
    parsed = parse("BÁO CÁO\nKết quả thực hiện nhiệm vụ tháng 5\n\n1. Phòng Văn hóa - Xã hội\n\n"
                   "- Tổ chức tốt các hoạt động kỷ niệm.\n\nĐề nghị UBND quận hỗ trợ kinh phí sửa chữa.", units)
    assert (parsed.kind, parsed.tasks) == ("other", [])
    assert "báo cáo" in parsed.warnings[0]


def test_a_sentence_cut_by_a_page_break_is_no_heading(units):
    # Regression: "Công an thành phố." left alone on a line by a page break headed the report's bullets.
    parsed = parse("Triển khai kế hoạch theo yêu cầu của Giám đốc, Phòng PV01\n\nCông an thành phố.\n\n"
                   "- Phối hợp với lực lượng cơ sở tuần tra, kiểm soát.", units, header="")
    assert parsed.tasks == []


def test_the_closing_article_of_a_decision_is_not_a_task(units):
    parsed = parse("Điều 2. Giao Phòng Văn hóa - Xã hội chủ trì tổ chức thực hiện Kế hoạch.\n\n"
                   "Điều 3. Chánh Văn phòng HĐND và UBND phường, Trưởng Công an phường chịu trách nhiệm thi hành "
                   "Quyết định này.", units)
    assert owners(parsed) == [VHXH]


def test_coordinators_are_the_named_bodies_after_phoi_hop_without_the_generic_ones(units):
    parsed = parse("Giao Phòng Kinh tế, Hạ tầng và Đô thị chủ trì, phối hợp với Công an phường, Ban CHQS phường "
                   "và các đơn vị liên quan rà soát các điểm tập kết rác; báo cáo UBND phường kết quả.", units)
    [task] = parsed.tasks
    assert task.owner.unit == KTHT
    assert [c.unit for c in task.coordinating] == [CA, "Ban Chỉ huy Quân sự"]


def test_a_prefixed_list_of_coordinators_is_expanded(units):
    parsed = parse("Giao Phòng Kinh tế, Hạ tầng và Đô thị chủ trì, phối hợp các Sở: Xây dựng, Tài chính; "
                   "UBND các phường: Tân An, Hòa Bình nghiên cứu phương án.", units)
    [task] = parsed.tasks
    assert [c.text for c in task.coordinating] == ["Sở Xây dựng", "Sở Tài chính", "UBND phường Tân An",
                                                   "UBND phường Hòa Bình"]


def test_the_deadline_is_read_in_the_clause_or_the_sentence_after_it(units):
    parsed = parse("Giao Phòng Văn hóa - Xã hội rà soát hộ nghèo, hoàn thành trước ngày 20/6/2026. "
                   "Yêu cầu Công an phường lập danh sách cơ sở kinh doanh có điều kiện. "
                   "Thời gian hoàn thành trước ngày 30/6/2026.", units)
    assert [(t.owner.unit, t.deadline.due) for t in parsed.tasks] == [
        (VHXH, date(2026, 6, 20)), (CA, date(2026, 6, 30))]


def test_a_date_cited_as_a_reference_is_not_a_deadline(units):
    parsed = parse("Giao Phòng Văn hóa - Xã hội triển khai Quyết định số 12/QĐ-UBND ngày 05/5/2026 "
                   "của UBND phường.", units)
    [task] = parsed.tasks
    assert (task.deadline.kind, task.deadline.due) == ("none", None)
    assert task.deadline.default == date(2026, 6, 30)  # the month's end, marked as a default


def test_the_expected_output_is_taken_where_the_clause_names_it(units):
    [task] = parse("Giao Phòng Văn hóa - Xã hội xây dựng kế hoạch tổ chức Tết Trung thu (sản phẩm: Kế hoạch của "
                   "UBND phường), trình trước ngày 15/8/2026.", units).tasks
    assert task.expected_output == "Kế hoạch của UBND phường"


def test_a_recurring_report_to_every_unit_is_recurring(units):
    [task] = parse("Đề nghị các phòng, đơn vị báo cáo kết quả trước ngày 25 hằng tháng.", units).tasks
    assert (task.owner.unit, task.deadline.kind, task.deadline.due) == ("*", "recurring", None)


def test_a_lead_in_gives_its_owner_to_the_list_under_it(units):
    parsed = parse("UBND phường đề nghị Phòng Văn hóa - Xã hội thực hiện một số nội dung sau:\n"
                   "- Treo cờ Tổ quốc tại trụ sở và các tuyến phố chính.\n"
                   "- Tổ chức tuyên truyền trên hệ thống loa truyền thanh.\n"
                   "- Công an phường bảo đảm an ninh trật tự trong các ngày lễ.\n", units)
    assert owners(parsed) == [VHXH, VHXH, CA]
    assert parsed.tasks[0].title.startswith("Treo cờ Tổ quốc")


def test_a_lead_in_period_applies_to_every_item(units):
    parsed = parse("Để thực hiện nhiệm vụ tháng 7/2026, Chủ tịch UBND phường yêu cầu các đơn vị thực hiện: "
                   "rà soát hồ sơ tồn đọng; hoàn thiện báo cáo sơ kết 6 tháng.", units)
    assert [(t.owner.unit, t.deadline.kind, t.deadline.due) for t in parsed.tasks] == [
        ("*", "month", date(2026, 7, 31)), ("*", "month", date(2026, 7, 31))]


def test_an_outside_owner_is_kept_as_written_and_flagged(units):
    [task] = parse("Giao Phòng Tài nguyên và Môi trường kiểm tra việc san lấp ao hồ.", units).tasks
    assert (task.owner.text, task.owner.unit) == ("Phòng Tài nguyên và Môi trường", None)
    assert any("không có trong danh sách" in r for r in task.review)


def test_words_glued_by_a_web_page_and_a_typo_in_the_verb_do_not_break_the_reading(units):
    # Regression: pages glue words ("Giaocho", "Tiếp tụcchỉ đạo") and write "chu trì"; the owner was lost.
    parsed = parse("Giaocho Phòng Văn hóa - Xã hội chu trì tổ chức Ngày hội đọc sách. "
                   "Yêu cầu Công an phường tiếp tụcchỉ đạo lực lượng tuần tra.", units)
    assert owners(parsed) == [VHXH, CA]


def test_a_later_sentence_that_restates_a_task_adds_nothing(units):
    parsed = parse("Giao Phòng Văn hóa - Xã hội rà soát danh sách hộ nghèo năm 2026 trên địa bàn. "
                   "Phòng Văn hóa - Xã hội cần rà soát danh sách hộ nghèo năm 2026.", units)
    assert owners(parsed) == [VHXH]


def test_an_undated_text_keeps_a_deadline_without_year_unresolved_for_review(units):
    [task] = parse("Giao Công an phường báo cáo kết quả trước ngày 30/6.", units, header="").tasks
    assert (task.deadline.kind, task.deadline.due) == ("date", None)
    assert NO_YEAR in task.deadline.review


def test_a_deadline_before_the_document_is_kept_and_flagged(units):
    [task] = parse("Yêu cầu Phòng Văn hóa - Xã hội nộp báo cáo chậm nhất ngày 20/5/2026.", units).tasks
    assert task.deadline.due == date(2026, 5, 20)
    assert any("trước ngày ban hành" in r for r in task.deadline.review)


@pytest.mark.parametrize("text", [
    "GIẤY MỜI\nUBND phường trân trọng kính mời đại diện các tổ dân phố đến dự hội nghị vào 8 giờ 00 "
    "ngày 10/6/2026 tại hội trường UBND phường.",
    "LỊCH CÔNG TÁC TUẦN\nThứ Hai 08/6/2026: 7 giờ 30 giao ban đầu tuần.\nThứ Ba 09/6/2026: tiếp công dân.",
    "Kết quả tháng 5, Phòng Văn hóa - Xã hội đã tổ chức 3 lớp tập huấn, Công an phường đã xử lý 12 vụ việc.",
])
def test_a_document_without_assignments_gives_no_task_and_says_why(units, text):
    parsed = parse(text, units, header="")
    assert (parsed.kind, parsed.tasks) == ("other", [])
    assert parsed.warnings == [NO_ASSIGNMENT]


def test_the_dry_run_json_keeps_its_shape_for_a_prose_directive(units):
    data = parse("Giao Phòng Văn hóa - Xã hội rà soát hộ nghèo, hoàn thành trước ngày 20/6/2026.", units).to_json()
    assert (data["document"]["kind"], data["document"]["layout"]) == ("conclusion_notice", "prose")
    assert data["document"]["number"] == "21/TB-UBND" and data["document"]["issued"] == "2026-06-04"
    task = data["tasks"][0]
    assert task["owner"] == {"text": VHXH, "unit": VHXH}
    assert task["deadline"]["due"] == "2026-06-20" and task["deadline"]["kind"] == "date"
    assert {"ref", "owner", "coordinating", "title", "expected_output", "deadline", "update", "review"} <= set(task)
