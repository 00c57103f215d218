"""Conclusion notice 004 against the clerk's gold answers: every task, its owner, partners and deadline."""

import json
from datetime import date

import pytest

from tests.builders import EXAMPLE_WARD_FILE
from tracker.config import load_ward_file
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.text import clean_text

NOTICE = "004_43a30539afeed7f9"


@pytest.fixture(scope="module")
def units():
    return UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE))


@pytest.fixture(scope="module")
def gold(shared_dir):
    return json.loads((shared_dir / "gold" / f"{NOTICE}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def notice(shared_dir, units):
    text = clean_text((shared_dir / "seeds" / f"{NOTICE}.txt").read_text(encoding="utf-8"))
    return parse_document(text, units=units, today=date(2026, 11, 23))


def _pairs(notice, gold):
    """Each gold task with the parsed task of the same owner whose title starts the same way."""
    found = {(t.owner.unit, t.title[:60]): t for t in notice.tasks}
    return [(g, found.get((g["owner_normalized"], g["text_start"][:60]))) for g in gold["tasks"]]


def test_the_notice_is_recognised_with_its_meeting_date_and_missing_number(notice):
    assert notice.kind == "conclusion_notice"
    assert (notice.issued, notice.meeting, notice.number) == (date(2026, 5, 7), date(2026, 5, 7), "")
    assert notice.title.startswith("Kết luận của đồng chí")
    assert any("chưa ghi số" in w for w in notice.warnings)


def test_every_gold_task_is_found_with_its_owner_and_no_task_is_invented(notice, gold):
    missing = [g["text_start"] for g, parsed in _pairs(notice, gold) if parsed is None]
    assert missing == []
    assert len(notice.tasks) == len(gold["tasks"])


def test_a_heading_that_names_two_units_gives_each_its_own_task(notice):
    both = [t for t in notice.tasks if t.ref.startswith("2.6.1")]
    assert [t.owner.unit for t in both] == ["Công an phường", "Ban Chỉ huy Quân sự"]


def test_the_all_units_heading_gives_tasks_marked_for_every_unit(notice):
    assert [t.ref for t in notice.tasks if t.owner.unit == "*"] == ["2.7.1", "2.7.2", "2.7.3", "2.7.4"]


def test_deadlines_match_the_gold_and_reference_dates_are_not_deadlines(notice, gold):
    for g, parsed in _pairs(notice, gold):
        assert (parsed.deadline.kind, parsed.deadline.due and parsed.deadline.due.isoformat()) == (
            g["deadline_kind"], g["due"]), g["text_start"]
        assert (parsed.deadline.text or None) == g["deadline_text"], g["text_start"]


def test_tasks_without_a_deadline_show_the_default_they_will_get(notice):
    no_deadline = [t for t in notice.tasks if t.deadline.kind == "none"]
    assert no_deadline and all(t.deadline.default == date(2026, 5, 31) and t.deadline.due is None
                               for t in no_deadline)
    assert all(t.deadline.default is None for t in notice.tasks if t.deadline.kind != "none")


def test_partners_are_named_units_or_outside_bodies_never_vague_phrases(notice, gold):
    for g, parsed in _pairs(notice, gold):
        assert [c.unit or c.text for c in parsed.coordinating] == g["coordinating"], g["text_start"]


def test_a_sentence_split_by_a_page_break_is_one_task(notice):
    task = next(t for t in notice.tasks if t.title.startswith("Phối hợp với Trung tâm dịch vụ"))
    assert "đang triển khai trên địa bàn. Tham mưu" in task.title


def test_praise_and_the_list_of_recipients_are_not_tasks(notice):
    titles = " ".join(t.title for t in notice.tasks)
    assert "ghi nhận và đánh giá cao" not in titles and "Lưu: VT" not in titles


def test_owners_named_inside_a_sentence_and_clauses_with_their_own_subject_become_tasks(units):
    text = (
        "THÔNG BÁO\nKết luận của Chủ tịch UBND phường\n\nNgày 05/6/2026, UBND phường họp giao ban.\n\n"
        "2. Các nhiệm vụ cụ thể:\n\n"
        "2.1. Giao nhiệm vụ\n\n"
        "3. Giao Phòng Văn hóa - Xã hội chủ trì, phối hợp với Trạm Y tế tổ chức tiêm chủng mở rộng, "
        "hoàn thành trước ngày 20/6/2026.\n\n"
        "4. Giao Công an phường chủ trì rà soát camera an ninh; Ban CHQS phường thực hiện huấn luyện dân quân "
        "trong tháng 7/2026.\n"
    )
    parsed = parse_document(text, units=units, today=date(2026, 6, 5))
    found = [(t.ref, t.owner.unit, [c.unit for c in t.coordinating], t.deadline.due) for t in parsed.tasks]
    assert found == [
        ("3.1", "Phòng Văn hóa - Xã hội", ["Trạm Y tế"], date(2026, 6, 20)),
        ("4.1.1", "Công an phường", [], None),
        ("4.1.2", "Ban Chỉ huy Quân sự", [], date(2026, 7, 31)),
    ]
