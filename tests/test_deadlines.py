"""Deadline phrases as the ward's documents write them: the gold phrases of ../shared, every form the
grammar promises, deadlines inside a notice's free text (notice 004's gold answers), reference dates
that are not deadlines, impossible dates that are never guessed, and a property test that nothing raises."""

from __future__ import annotations

import json
import os
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.importer.deadlines import GUESSED, find_deadline, parse_deadline
from tracker.importer.model import Deadline
from tracker.workdays import WorkCalendar

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRACKER_SHARED_DIR", ROOT.parent / "shared"))
KINDS = {"date", "month", "quarter", "year", "recurring", "none"}
NOTICE_DAY = date(2026, 5, 7)
NOTICE_004 = "004_43a30539afeed7f9"
ITEM = re.compile(r"(?m)^(?:- |\d+(?:\.\d+)*\. )")


def _absent(what: str) -> list:
    # One placeholder case: the test then asks for `shared_dir`, which skips (or fails in CI) properly.
    return [pytest.param(None, id=f"{what}-absent")]


def gold_phrases() -> list:
    path = SHARED / "gold" / "deadlines.tsv"
    if not path.is_file():
        return _absent("deadlines.tsv")
    rows = [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    return [pytest.param(row, id=row[0]) for row in rows if row and row[0] and not row[0].startswith("#")]


def gold_tasks() -> list:
    path = SHARED / "gold" / f"{NOTICE_004}.json"
    if not path.is_file():
        return _absent("notice-004-gold")
    tasks = json.loads(path.read_text(encoding="utf-8"))["tasks"]
    return [pytest.param(task, id=f"{i + 1:02d}-{task['text_start'][:40].strip()}") for i, task in enumerate(tasks)]


def notice_items(shared_dir: Path) -> list[str]:
    """The bullets and numbered items of notice 004, each joined across page breaks."""
    text = unicodedata.normalize("NFC", (shared_dir / "seeds" / f"{NOTICE_004}.txt").read_text(encoding="utf-8"))
    starts = [m.start() for m in ITEM.finditer(text)] + [len(text)]
    return [ITEM.sub("", text[a:b], count=1).strip() for a, b in zip(starts, starts[1:], strict=False)]


def item_starting(shared_dir: Path, start: str) -> str:
    found = [item for item in notice_items(shared_dir) if item.startswith(unicodedata.normalize("NFC", start).strip())]
    assert found, f"no bullet of notice 004 starts with «{start}»"
    return found[0]


def iso(day: date | None) -> str:
    return day.isoformat() if day else "-"


# ---- the gold phrases ----------------------------------------------------------------------------

@pytest.mark.parametrize("row", gold_phrases())
def test_every_gold_phrase_is_understood_as_the_clerk_would(row: list[str] | None, shared_dir: Path) -> None:
    assert row is not None
    text, context, kind, dues = row[:4]
    understood = parse_deadline(text, on=date.fromisoformat(context))
    assert (understood.kind, iso(understood.due)) in {(kind, due) for due in dues.split("|")}, (
        f"«{text}» on {context}: got {understood.kind} {iso(understood.due)}, gold {kind} {dues}; "
        f"review {understood.review}")
    # A month, quarter or year starts on a month's first day, before it is due; a day or a rule starts at assignment.
    if kind in ("month", "quarter", "year"):
        assert understood.starts is not None and understood.due is not None
        assert understood.starts.day == 1 and understood.starts < understood.due
    elif kind == "recurring":
        assert understood.starts is None


def test_two_milestones_keep_the_later_one() -> None:
    understood = parse_deadline("Tháng 6/2026 và tháng 11/2026", on=date(2026, 1, 10))
    assert (understood.kind, understood.due) == ("month", date(2026, 6, 30))
    assert understood.milestones == [date(2026, 11, 30)]


# ---- the forms the grammar promises --------------------------------------------------------------

FORMS = [
    # (phrase, document date, kind, due)
    ("15/5/2026", "2026-05-07", "date", "2026-05-15"),
    ("15-5-2026", "2026-05-07", "date", "2026-05-15"),
    ("15.5.2026", "2026-05-07", "date", "2026-05-15"),
    ("ngày 15 tháng 5 năm 2026", "2026-05-07", "date", "2026-05-15"),
    ("ngày 15 tháng 5", "2026-05-07", "date", "2026-05-15"),
    ("15/5", "2026-05-07", "date", "2026-05-15"),
    ("ngày 15/1", "2026-12-20", "date", "2027-01-15"),
    ("trước ngày 13/5/2026", "2026-05-07", "date", "2026-05-13"),
    ("chậm nhất ngày 20/5/2026", "2026-05-07", "date", "2026-05-20"),
    ("hạn chót 25/5/2026", "2026-05-07", "date", "2026-05-25"),
    ("xong trước ngày 30/5", "2026-05-07", "date", "2026-05-30"),
    ("hết ngày 16/5/2026", "2026-05-07", "date", "2026-05-16"),
    ("trong ngày 20/5/2026", "2026-05-07", "date", "2026-05-20"),
    ("dự kiến vào 15/6/2026", "2026-05-07", "date", "2026-06-15"),
    ("trước 17 giờ ngày 20/5/2026", "2026-05-07", "date", "2026-05-20"),
    ("16h00 ngày 20/5", "2026-05-07", "date", "2026-05-20"),
    ("tháng 5", "2026-05-07", "month", "2026-05-31"),
    ("tháng 1", "2026-12-20", "month", "2027-01-31"),
    ("tháng 5/2026", "2026-05-07", "month", "2026-05-31"),
    ("tháng 01/2026", "2026-01-10", "month", "2026-01-31"),
    ("hoàn thành trong tháng 6", "2026-05-07", "month", "2026-06-30"),
    ("tháng 5, 6", "2026-05-07", "month", "2026-06-30"),
    ("từ tháng 6 - 8", "2026-05-07", "month", "2026-08-31"),
    ("từ tháng 11 đến tháng 2", "2026-10-01", "month", "2027-02-28"),
    ("tháng 6 và các tháng tiếp theo", "2026-05-07", "month", "2026-06-30"),
    ("cuối tháng 5", "2026-05-07", "month", "2026-05-31"),
    ("giữa tháng", "2026-05-07", "date", "2026-05-15"),
    ("giữa tháng 6", "2026-05-07", "date", "2026-06-15"),
    ("đầu tháng 7", "2026-05-07", "date", "2026-07-07"),
    ("trong tuần đầu tháng 7 năm 2026", "2026-05-07", "date", "2026-07-07"),
    ("Quý II/2026", "2026-01-10", "quarter", "2026-06-30"),
    ("quý 3 năm 2026", "2026-01-10", "quarter", "2026-09-30"),
    ("QUÝ IV", "2026-05-07", "quarter", "2026-12-31"),
    ("Quý II và các tháng tiếp theo", "2026-05-07", "quarter", "2026-06-30"),
    ("quý I", "2026-11-20", "quarter", "2027-03-31"),
    ("6 tháng đầu năm", "2026-05-07", "quarter", "2026-06-30"),
    ("6 tháng cuối năm 2026", "2026-05-07", "quarter", "2026-12-31"),
    ("Năm 2026", "2026-01-10", "year", "2026-12-31"),
    ("trong năm 2026", "2026-01-10", "year", "2026-12-31"),
    ("cuối năm", "2026-05-07", "year", "2026-12-31"),
    ("trước Tết Nguyên đán", "2026-05-07", "date", "2027-02-05"),
    ("trước Tết", "2026-01-20", "date", "2026-02-16"),
    ("Tết Nguyên đán 2027", "2026-01-20", "date", "2027-02-05"),
    # "tuần sau" is due on the last working day of the next week (its Friday unless that is a holiday).
    ("tuần sau", "2026-05-07", "date", "2026-05-15"),
    ("tuần sau", "2026-04-23", "date", "2026-04-29"),  # Thursday 30/4 and Friday 1/5 are holidays
    ("tháng sau", "2026-05-07", "month", "2026-06-30"),
]


@pytest.mark.parametrize(("phrase", "on", "kind", "due"), FORMS, ids=[f"{f[0]}@{f[1]}" for f in FORMS])
def test_each_promised_form_is_read(phrase: str, on: str, kind: str, due: str) -> None:
    understood = parse_deadline(phrase, on=date.fromisoformat(on))
    assert (understood.kind, iso(understood.due)) == (kind, due), understood.review


# ---- where the period a deadline names starts ------------------------------------------------------

STARTS = [
    # (phrase, document date, first day of the period named; "-" when it names none)
    ("Tháng 5, 6", "2026-05-27", "2026-05-01"),
    ("Từ tháng 6 - 8", "2026-05-27", "2026-06-01"),
    ("tháng 11 - 2", "2026-10-01", "2026-11-01"),
    ("từ tháng 11 đến tháng 2/2027", "2026-10-01", "2026-11-01"),
    ("Tháng 9/2026", "2026-01-10", "2026-09-01"),
    ("Tháng 6/2026 và tháng 11/2026", "2026-01-10", "2026-06-01"),
    ("Quý II", "2026-05-27", "2026-04-01"),
    ("Quý II và các tháng tiếp theo", "2026-05-27", "2026-04-01"),
    ("quý III - IV", "2026-05-27", "2026-07-01"),
    ("quý I", "2026-11-20", "2027-01-01"),
    ("Năm 2026", "2026-01-10", "2026-01-01"),
    ("cuối năm", "2026-05-07", "2026-01-01"),
    ("6 tháng đầu năm", "2026-05-07", "2026-01-01"),
    ("6 tháng cuối năm", "2026-05-07", "2026-07-01"),
    ("cuối tháng 6", "2026-05-07", "2026-06-01"),
    ("giữa tháng", "2026-05-07", "2026-05-01"),
    ("Trong tuần đầu tháng 7 năm 2026", "2026-05-27", "2026-07-01"),
    ("đầu quý III", "2026-05-07", "2026-07-01"),
    ("cuối quý", "2026-05-07", "2026-04-01"),
    ("tháng sau", "2026-05-07", "2026-06-01"),
    ("quý tới", "2026-05-07", "2026-07-01"),
    ("năm nay", "2026-05-07", "2026-01-01"),
    ("tuần sau", "2026-05-07", "2026-05-11"),
    ("trong tháng", "2026-05-07", "2026-05-01"),
    ("trước ngày 15/5/2026", "2026-05-07", "-"),
    ("Dự kiến diễn ra vào 15/6/2026", "2026-05-27", "-"),
    ("trước Tết Nguyên đán", "2026-05-07", "-"),
    ("Thường xuyên", "2026-05-27", "-"),
    ("Đầu các tuần trong tháng", "2026-05-27", "-"),
    ("Theo tiến độ dự án", "2026-05-27", "-"),
    ("tháng 13", "2026-05-27", "-"),
    ("ngày 15 tháng sáu năm 2026", "2026-05-07", "-"),
]


@pytest.mark.parametrize(("phrase", "on", "starts"), STARTS, ids=[f"{s[0]}@{s[1]}" for s in STARTS])
def test_a_deadline_starts_on_the_first_day_of_the_period_it_names(phrase: str, on: str, starts: str) -> None:
    understood = parse_deadline(phrase, on=date.fromisoformat(on))
    assert iso(understood.starts) == starts, (understood.kind, understood.due, understood.review)


@pytest.mark.parametrize("phrase", ["trước tháng 9", "hoàn thành trước quý III", "đến hết tháng 6/2026"])
def test_a_deadline_that_runs_up_to_a_period_starts_at_assignment(phrase: str) -> None:
    understood = parse_deadline(phrase, on=NOTICE_DAY)
    assert understood.due is not None and understood.starts is None


def test_a_deadline_in_free_text_keeps_the_start_of_its_period() -> None:
    found = find_deadline("Triển khai kế hoạch trong tháng 6/2026 và báo cáo", on=NOTICE_DAY)
    assert found is not None and found.starts == date(2026, 6, 1)
    before = find_deadline("Xử lý dứt điểm, hoàn thành trước ngày 15/5/2026", on=NOTICE_DAY)
    assert before is not None and before.starts is None


def test_a_month_without_its_number_is_the_month_of_the_base_day() -> None:
    # A plan for June made on 27 May: its "cuối tháng" is the end of June, not of May.
    understood = parse_deadline("cuối tháng", on=date(2026, 5, 27), base=date(2026, 6, 1))
    assert (understood.due, understood.starts) == (date(2026, 6, 30), date(2026, 6, 1))
    assert parse_deadline("cuối tháng", on=date(2026, 5, 27)).due == date(2026, 5, 31)


def test_the_json_of_a_deadline_adds_its_start_and_keeps_every_other_key() -> None:
    assert parse_deadline("Tháng 5, 6", on=date(2026, 5, 27)).to_json() == {
        "text": "Tháng 5, 6", "kind": "month", "due": "2026-06-30", "milestones": [], "default": None,
        "starts": "2026-05-01",
    }
    assert parse_deadline("Trước ngày 15/5/2026", on=NOTICE_DAY).to_json()["starts"] is None


def test_old_and_new_tone_placement_read_the_same() -> None:
    assert parse_deadline("Qúy II/2026", on=NOTICE_DAY).due == date(2026, 6, 30)
    assert parse_deadline("Định kì hàng tháng", on=NOTICE_DAY).kind == "recurring"


def test_the_text_is_kept_as_written_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "  Trước ngày 20/5/2026 ")
    understood = parse_deadline(decomposed, on=NOTICE_DAY)
    assert understood.text == unicodedata.normalize("NFC", "Trước ngày 20/5/2026")
    assert understood.default is None


RELATIVE = [
    ("trong 10 ngày làm việc kể từ ngày ký", "2026-05-22", "2026-05-21"),
    ("không quá 30 ngày", "2026-06-07", "2026-06-06"),
    ("trong vòng 15 ngày", "2026-05-23", "2026-05-22"),
]


@pytest.mark.parametrize(("phrase", "from_base", "from_document"), RELATIVE, ids=[r[0] for r in RELATIVE])
def test_relative_periods_count_from_the_base_day_else_from_the_documents_day(
        phrase: str, from_base: str, from_document: str) -> None:
    signed = date(2026, 5, 8)  # a Friday: ten working days end on Friday 22 May
    expected = from_document if "ký" in phrase else from_base
    assert iso(parse_deadline(phrase, on=NOTICE_DAY, base=signed).due) == expected
    # Without a base the document's own day starts the count: day 1 is the day after it.
    understood = parse_deadline(phrase, on=NOTICE_DAY)
    assert (understood.kind, iso(understood.due), understood.review) == ("date", from_document, [])


# Phrases counted from the document itself, from the document's day 7/5/2026 (a Thursday).
FROM_THE_DOCUMENT = [
    ("trong 15 ngày kể từ ngày ban hành Thông báo này", "2026-05-22"),
    ("trong 10 ngày kể từ ngày nhận được văn bản này", "2026-05-17"),
    ("chậm nhất 05 ngày làm việc kể từ ngày ký", "2026-05-14"),
    ("trong 03 tháng kể từ ngày ký", "2026-08-07"),
    ("trong 02 tuần kể từ ngày ký Quyết định", "2026-05-21"),
]


@pytest.mark.parametrize(("phrase", "due"), FROM_THE_DOCUMENT, ids=[r[0] for r in FROM_THE_DOCUMENT])
def test_a_period_counted_from_the_documents_signing_is_due_from_its_day(phrase: str, due: str) -> None:
    understood = parse_deadline(phrase, on=NOTICE_DAY)
    assert (understood.kind, iso(understood.due), understood.review) == ("date", due, [])


@pytest.mark.parametrize("phrase", [
    "trong 10 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
    "chậm nhất 30 ngày sau khi dự án được phê duyệt",
    "trong 15 ngày kể từ ngày ký hợp đồng",
])
def test_a_period_counted_from_an_event_of_unknown_day_stays_open_for_review(phrase: str) -> None:
    understood = parse_deadline(phrase, on=NOTICE_DAY)
    assert (understood.kind, understood.due) == ("date", None)
    assert understood.review and understood.review[0].startswith("Thời hạn tính từ một việc chưa biết ngày")


def test_a_relative_deadline_inside_a_sentence_is_found_and_counted_from_the_document() -> None:
    found = find_deadline("Giao Phòng Văn hóa - Xã hội rà soát hộ nghèo, hoàn thành trong 15 ngày kể từ ngày ký "
                          "Thông báo này.", on=NOTICE_DAY)
    assert found is not None and (found.text, found.due) == (
        "hoàn thành trong 15 ngày kể từ ngày ký Thông báo này", date(2026, 5, 22))


def test_working_days_counted_from_the_document_skip_the_weekend_and_the_holidays() -> None:
    # Signed Tuesday 28/4/2026: day 1 is 29/4; 30/4 and 1/5 are holidays, 2-3/5 a weekend; day 5 is 7/5.
    understood = parse_deadline("trong 05 ngày làm việc kể từ ngày ký", on=date(2026, 4, 28))
    assert understood.due == date(2026, 5, 7)


def test_working_days_skip_holidays_and_follow_the_ward_calendar() -> None:
    # 30/4 and 1/5/2026 are holidays: three working days from Wednesday 29/4 end on Wednesday 6/5.
    assert parse_deadline("trong 3 ngày làm việc", on=date(2026, 4, 29), base=date(2026, 4, 29)).due == date(2026, 5, 6)
    ward = WorkCalendar(extra_days_off=[date(2026, 5, 4)])
    later = parse_deadline("trong 3 ngày làm việc", on=date(2026, 4, 29), base=date(2026, 4, 29), calendar=ward)
    assert later.due == date(2026, 5, 7)


def test_an_explicit_start_date_is_used_without_a_base() -> None:
    understood = parse_deadline("trong 10 ngày làm việc kể từ ngày 11/5/2026", on=NOTICE_DAY)
    assert understood.due == date(2026, 5, 25)


RECURRING = [
    ("Thường xuyên", "thường xuyên"),
    ("Hàng tháng", "hằng tháng"),
    ("hằng tháng", "hằng tháng"),
    ("hàng quý", "hằng quý"),
    ("hằng năm", "hằng năm"),
    ("định kỳ", "định kỳ"),
    ("Định kỳ hàng tuần", "hằng tuần"),
    ("Đầu các tuần trong tháng", "hằng tuần, đầu tuần"),
    ("trước ngày 20 hằng tháng", "hằng tháng, trước ngày 20"),
    ("Hằng tháng, trước ngày 20", "hằng tháng, trước ngày 20"),
    ("thứ Sáu hằng tuần", "hằng tuần, thứ sáu"),
]


@pytest.mark.parametrize(("phrase", "rule"), RECURRING, ids=[r[0] for r in RECURRING])
def test_recurring_deadlines_have_a_rule_and_no_due_date(phrase: str, rule: str) -> None:
    understood = parse_deadline(phrase, on=NOTICE_DAY)
    assert (understood.kind, understood.due, understood.recurrence, understood.review) == ("recurring", None, rule, [])


def test_the_first_deadline_wins_and_the_rest_is_context() -> None:
    text = "Quý II/2026 trình ban hành, triển khai trong năm 2026 và các năm tiếp theo"
    understood = parse_deadline(text, on=date(2026, 1, 10))
    assert (understood.kind, understood.due, understood.milestones) == ("quarter", date(2026, 6, 30), [])


# ---- what must never be guessed -----------------------------------------------------------------

@pytest.mark.parametrize(("phrase", "reason"), [
    ("31/4/2026", "Ngày 31/4/2026 không có thật; cần nhập lại thời hạn."),
    ("trước ngày 31/4/2026", "Ngày 31/4/2026 không có thật; cần nhập lại thời hạn."),
    ("30/2", "Ngày 30/2/2026 không có thật; cần nhập lại thời hạn."),
    ("ngày 29/2/2027", "Ngày 29/2/2027 không có thật; cần nhập lại thời hạn."),
])
def test_an_impossible_date_is_reported_never_guessed(phrase: str, reason: str) -> None:
    # Regression guard: dateparser (and a lenient date builder) would move 31/4 to 1/5 or 30/4.
    understood = parse_deadline(phrase, on=date(2026, 2, 1))
    assert (understood.kind, understood.due, understood.review) == ("date", None, [reason])


def test_an_impossible_month_or_quarter_is_reported() -> None:
    assert parse_deadline("tháng 13", on=NOTICE_DAY).review == ["Tháng 13 không có thật; cần nhập lại thời hạn."]
    assert parse_deadline("Quý V/2026", on=NOTICE_DAY).review == ["Quý V không có thật; cần nhập lại thời hạn."]


def test_a_deadline_before_the_document_is_flagged() -> None:
    understood = parse_deadline("Trước ngày 20/5/2026", on=date(2026, 5, 27))
    assert understood.due == date(2026, 5, 20)
    assert understood.review == ["Thời hạn trước ngày ban hành văn bản (27/05/2026)."]


def test_a_reference_date_is_not_a_deadline() -> None:
    understood = parse_deadline("theo Quyết định 1637/QĐ-UBND ngày 24/4/2026", on=NOTICE_DAY)
    assert (understood.kind, understood.due) == ("none", None)


def test_unknown_words_give_no_deadline_and_a_reason() -> None:
    understood = parse_deadline("Theo tiến độ dự án", on=NOTICE_DAY)
    assert (understood.kind, understood.due) == ("none", None)
    assert understood.review == ["Không hiểu thời hạn «Theo tiến độ dự án»."]


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_an_empty_phrase_is_no_deadline_without_review(blank: str) -> None:
    assert parse_deadline(blank, on=NOTICE_DAY) == Deadline(text="")


def test_dateparser_is_a_last_resort_and_marked_for_review() -> None:
    # The grammar reads month numbers only; a month written in words goes to dateparser, flagged.
    understood = parse_deadline("ngày 15 tháng sáu năm 2026", on=NOTICE_DAY)
    assert (understood.kind, understood.due, understood.review) == ("date", date(2026, 6, 15), [GUESSED])


def test_dateparser_does_not_override_the_grammar() -> None:
    # Regression guard: dateparser reads "tháng 6/2026" as 7 June; the grammar must answer first.
    understood = parse_deadline("tháng 6/2026", on=NOTICE_DAY)
    assert (understood.kind, understood.due, understood.review) == ("month", date(2026, 6, 30), [])


# ---- deadlines inside free text ------------------------------------------------------------------

def test_a_deadline_in_a_sentence_keeps_its_words_without_markdown() -> None:
    sentence = ("Thành lập Ban quản lý Quỹ khuyến học, xây dựng Quy chế hoạt động hoàn thành trước **ngày 15/5/2026** "
                "để tổ chức lễ ra mắt")
    found = find_deadline(sentence, on=NOTICE_DAY)
    assert found is not None
    assert (found.text, found.kind, found.due) == ("hoàn thành trước ngày 15/5/2026", "date", date(2026, 5, 15))


@pytest.mark.parametrize("task", gold_tasks())
def test_notice_004_deadlines_match_the_gold_answers(task: dict | None, shared_dir: Path) -> None:
    assert task is not None
    found = find_deadline(item_starting(shared_dir, task["text_start"]), on=NOTICE_DAY)
    got = (found.text, iso(found.due), found.kind) if found else (None, "-", "none")
    want = (task["deadline_text"], task["due"] or "-", task["deadline_kind"])
    assert got == want


def test_the_weekly_report_of_the_vice_chairs_is_recurring(shared_dir: Path) -> None:
    item = item_starting(shared_dir, "Giao các Phó Chủ tịch Ủy ban nhân dân phường")
    found = find_deadline(item, on=NOTICE_DAY)
    assert found is not None
    assert (found.text, found.kind, found.recurrence) == ("định kỳ hàng tuần", "recurring", "hằng tuần")


@pytest.mark.parametrize("sentence", [
    "Hoàn thành đề án theo Quyết định 1637/QĐ-UBND ngày 24/4/2026 của Ủy ban nhân dân thành phố",
    "Triển khai Kế hoạch số 175/KH-UBND ngày 06/5/2026 của UBND phường",
    "Báo cáo kết quả giải quyết các kiến nghị của cử tri tại kỳ họp thường lệ cuối năm 2025",
    "Đánh giá tổng kết năm học 2025-2026",
    "Hoàn thành việc thu thập thông tin Điều tra cơ sở hành chính, sự nghiệp năm 2026",
    "Hoàn thành kế hoạch rà soát đối tượng trên địa bàn phường năm 2026",
    "Nâng cao chất lượng thẩm duyệt các văn bản trước khi trình lãnh đạo ký ban hành",
    "Triển khai các nhiệm vụ trong năm 2026",
])
def test_reference_dates_and_named_years_are_not_deadlines(sentence: str) -> None:
    assert find_deadline(sentence, on=NOTICE_DAY) is None


@pytest.mark.parametrize(("sentence", "text", "kind", "due"), [
    ("Gửi báo cáo trước 17 giờ ngày 20/5/2026 để tổng hợp", "trước 17 giờ ngày 20/5/2026", "date", "2026-05-20"),
    ("Rà soát, gửi về Văn phòng chậm nhất ngày 25/5/2026.", "chậm nhất ngày 25/5/2026", "date", "2026-05-25"),
    ("Triển khai kế hoạch trong tháng 6/2026 và báo cáo", "trong tháng 6/2026", "month", "2026-06-30"),
    ("Hoàn thành trong quý II/2026", "Hoàn thành trong quý II/2026", "quarter", "2026-06-30"),
    ("Hoàn thành trong năm 2026 các chỉ tiêu", "Hoàn thành trong năm 2026", "year", "2026-12-31"),
    ("Chỉnh trang đô thị, xong trước Tết Nguyên đán", "xong trước Tết Nguyên đán", "date", "2027-02-05"),
    ("Ra quân hoàn thành trước **ngày\n\n15/5/2026**.", "hoàn thành trước ngày 15/5/2026", "date", "2026-05-15"),
    ("Báo cáo tiến độ định kỳ hàng tuần", "định kỳ hàng tuần", "recurring", "-"),
    ("Thường xuyên kiểm tra, đôn đốc", "Thường xuyên", "recurring", "-"),
])
def test_explicit_markers_make_a_deadline_in_free_text(sentence: str, text: str, kind: str, due: str) -> None:
    found = find_deadline(sentence, on=NOTICE_DAY)
    assert found is not None
    assert (found.text, found.kind, iso(found.due)) == (text, kind, due)


def test_an_impossible_date_in_free_text_is_reported() -> None:
    found = find_deadline("Xử lý dứt điểm trước **ngày 31/4/2026**", on=NOTICE_DAY)
    assert found is not None
    assert (found.kind, found.due) == ("date", None)
    assert found.review == ["Ngày 31/4/2026 không có thật; cần nhập lại thời hạn."]


# ---- never raises --------------------------------------------------------------------------------

_PIECES = ["trước", "ngày", "tháng", "quý", "năm", "II", "IV", "31/4", "30/2/2026", "15/5/9999", "99/99/0000",
           "hằng", "tuần", "sau", "Tết", "kể từ", "10", "làm việc", "cuối", "đầu", "và", "các tháng tiếp theo",
           "6 tháng đầu năm", "17 giờ", "9999", "trong", "**", ",", "-", "/", "thứ sáu", "mai", "0001"]
PHRASES = st.one_of(st.text(), st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join))
ANY_DAY = st.dates()


def _well_formed(found: Deadline | None) -> None:
    if found is None:
        return
    assert found.kind in KINDS
    assert found.due is None or type(found.due) is date
    assert all(type(d) is date for d in found.milestones)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PHRASES, ANY_DAY, st.one_of(st.none(), ANY_DAY))
def test_parse_deadline_never_raises_and_returns_a_real_reading(text: str, on: date, base: date | None) -> None:
    found = parse_deadline(text, on=on, base=base)
    assert isinstance(found, Deadline)
    _well_formed(found)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PHRASES, ANY_DAY)
def test_find_deadline_never_raises(text: str, on: date) -> None:
    _well_formed(find_deadline(text, on=on))
