"""The messages people read on their phones (tracker.messages): Vietnamese in NFC, counts
first, long lists cut with "và N nhiệm vụ khác", and never longer than a chat accepts."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import jinja2
import pytest

from tracker.digests import DoneLine, LeaderDigest, SkippedDay
from tracker.messages import CUT_NOTE, ENVIRONMENT, LIST_LIMIT, MAX_CHARS, render
from tracker.models import Task
from tracker.reminders import DailyReminder, Recipient, TaskLine

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
TEMPLATES = Path(__file__).resolve().parent.parent / "tracker" / "messages" / "templates"
DAY = date(2026, 5, 19)
# Written decomposed (NFD), as some Word documents and phone keyboards produce it.
LONG_TITLE = unicodedata.normalize("NFD", "Tham mưu Ủy ban nhân dân phường ban hành Kế hoạch tổ chức các hoạt động "
                                          "hưởng ứng Tháng hành động vì an toàn thực phẩm năm 2026 trên địa bàn ") * 3
UNITS = {1: "Phòng Văn hóa - Xã hội", 2: "Phòng Kinh tế, Hạ tầng và Đô thị", 7: "Công an phường"}


def line(n: int, kind: str = "overdue", days: int = 4) -> TaskLine:
    reasons = {"overdue": f"quá hạn {days} ngày làm việc", "due_today": "đến hạn hôm nay"}
    reason = reasons.get(kind, "còn 3 ngày làm việc")
    return TaskLine(task_id=n, title=f"{LONG_TITLE} {n}", unit_id=(1, 2, 7)[n % 3], due_on=date(2026, 5, 13),
                    kind=kind, working_days=days, reason=reason, due_is_default=n % 2 == 0)


def task(n: int) -> Task:
    return Task(id=n, org_id=1, title=f"{LONG_TITLE} {n}", owner_unit_id=1, assigned_on=date(2026, 5, 7),
                due_on=date(2026, 5, 31) if n % 3 else None, deadline_kind="recurring" if n % 5 == 0 else "date",
                created_at=None, updated_at=None)  # type: ignore[arg-type]


def contexts(n: int) -> dict[str, dict]:
    """A context for every message kind, with `n` tasks in each list, shaped as jobs/ builds them."""
    lines = [line(i, ("overdue", "due_today", "upcoming")[i % 3]) for i in range(n)]
    reminder = DailyReminder(Recipient(1, "Ông Văn Lạc", "Trưởng phòng", 1, UNITS[1]), DAY, tuple(lines))
    digest = LeaderDigest(
        recipient=Recipient(2, "Đỗ Quang Vĩnh", "Chủ tịch UBND phường", None, ""), day=DAY, escalate_after=3,
        escalated=tuple(line(i, days=9) for i in range(n)), overdue=tuple(line(100 + i, days=2) for i in range(n)),
        unit_names=UNITS, unreachable_units=tuple(UNITS.values()) * 3,
        skipped=(SkippedDay(date(2026, 5, 18), ("daily", "digest")),), failed_messages=2)
    return {
        "daily": {"day": DAY, "name": "Ông Văn Lạc", "unit_name": UNITS[1], "lines": lines,
                  "counts": reminder.counts},
        "digest": {"day": DAY, "name": "Đỗ Quang Vĩnh", "escalated": list(digest.escalated),
                   "overdue": list(digest.overdue), "escalate_after": 3, "unit_names": UNITS,
                   "unit_counts": digest.unit_counts(), "unreachable_units": list(digest.unreachable_units),
                   "skipped": list(digest.skipped), "failed_messages": 2},
        "weekly": {"day": DAY, "name": "Khúc Đình Phong", "week_start": date(2026, 5, 11),
                   "week_end": date(2026, 5, 17),
                   "units": [{"name": name, "in_progress": 12, "overdue": 3, "done": 4, "done_late": 1, "recurring": 2}
                             for name in UNITS.values()],
                   "totals": {"total": 54, "in_progress": 36, "overdue": 9, "done": 12, "done_late": 3, "recurring": 6},
                   "done_last_week": [DoneLine(i, f"{LONG_TITLE} {i}", 7, date(2026, 5, 14), i % 2 == 0)
                                      for i in range(n)],
                   "unit_names": UNITS},
        "collect": {"name": "Thái Bá Nghĩa", "unit_name": UNITS[7], "month_label": "05/2026",
                    "report_day": date(2026, 5, 18), "tasks": [task(i) for i in range(1, n + 1)]},
        "extension": {"name": "Ông Văn Lạc", "task_id": 9, "task_title": LONG_TITLE, "approved": n % 2 == 0,
                      "requested_due_on": date(2026, 5, 22), "due_on": date(2026, 5, 22),
                      "decided_by": "Chủ tịch UBND phường Đỗ Quang Vĩnh", "note": "Đồng ý gia hạn. " * n},
    }


@pytest.mark.parametrize("kind", ["daily", "digest", "weekly", "collect", "extension"])
@pytest.mark.parametrize("n", [1, 3, 25, 150])
def test_every_message_is_nfc_and_fits_a_chat_message(kind, n):
    text = render(kind, **contexts(n)[kind])
    assert text == unicodedata.normalize("NFC", text)
    assert 0 < len(text) <= MAX_CHARS
    assert "\n\n\n" not in text and text == text.strip()
    assert not ISO_DATE.search(text), ISO_DATE.search(text)
    for row in text.splitlines():
        if row.startswith("• #"):
            title = row.split(" — ")[0].split(" ", 2)[2]
            assert len(title) <= 80, title


@pytest.mark.parametrize("kind", ["daily", "collect", "weekly"])
def test_a_long_list_shows_the_first_ten_tasks_and_counts_the_others(kind):
    text = render(kind, **contexts(25)[kind])
    assert sum(row.startswith("• #") for row in text.splitlines()) == LIST_LIMIT
    assert "và 15 nhiệm vụ khác." in text
    short = render(kind, **contexts(3)[kind])
    assert "nhiệm vụ khác" not in short


def test_the_daily_reminder_gives_the_counts_first_then_one_line_per_task():
    text = render("daily", **contexts(3)["daily"])
    assert text.splitlines()[:2] == [
        "NHẮC VIỆC ngày 19/05/2026",
        "Đồng chí Ông Văn Lạc (Phòng Văn hóa - Xã hội): 3 nhiệm vụ cần chú ý — 1 quá hạn, 1 đến hạn hôm nay, "
        "1 sắp đến hạn.",
    ]
    assert "— hạn 13/05/2026 (mặc định) — quá hạn 4 ngày làm việc" in text
    assert "— hạn 13/05/2026 — đến hạn hôm nay" in text


def test_the_digest_shows_at_most_ten_tasks_escalated_first_and_what_went_wrong():
    text = render("digest", **contexts(25)["digest"])
    rows = text.splitlines()
    assert rows[1] == "Đồng chí Đỗ Quang Vĩnh: 50 nhiệm vụ quá hạn, trong đó 25 nhiệm vụ quá hạn trên 3 ngày làm việc."
    assert sum(row.startswith("• #") for row in rows) == LIST_LIMIT
    assert rows.index("Quá hạn trên 3 ngày làm việc:") < rows.index("Quá hạn khác: 25 nhiệm vụ.")
    assert text.count("và 15 nhiệm vụ khác.") == 1 and "Quá hạn khác: 25 nhiệm vụ." in text
    assert "- 18/05/2026: nhắc việc hằng ngày, tổng hợp quá hạn cho lãnh đạo" in text
    assert "Hộp thư đi có 2 tin nhắn gửi không thành công" in text


def test_an_extension_notice_says_the_decision_and_the_due_date():
    approved = render("extension", **contexts(2)["extension"])
    refused = render("extension", **contexts(1)["extension"])
    assert "đến ngày 22/05/2026 đã được đồng ý (Chủ tịch UBND phường Đỗ Quang Vĩnh)." in approved
    assert "Hạn mới: 22/05/2026." in approved
    assert "không được đồng ý" in refused and "Hạn vẫn là 22/05/2026." in refused


def test_a_message_too_long_for_a_chat_is_cut_at_a_line_with_a_note():
    context = contexts(3)["digest"]
    context["unreachable_units"] = [f"Tổ dân phố số {i} — khu dân cư mới" for i in range(400)]
    text = render("digest", **context)
    assert len(text) <= MAX_CHARS and text.endswith(CUT_NOTE)


def test_a_missing_name_in_the_context_fails_loudly():
    context = contexts(1)["daily"]
    del context["unit_name"]
    with pytest.raises(jinja2.UndefinedError):
        render("daily", **context)


def test_the_templates_themselves_are_written_in_nfc_and_parse():
    # Why: the chat's templates live in a subfolder; a glob of the top folder alone would skip them.
    paths = sorted(TEMPLATES.rglob("*.j2"))
    assert any(path.parent.name == "chat" for path in paths)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert text == unicodedata.normalize("NFC", text), path.name
        ENVIRONMENT.get_template(path.relative_to(TEMPLATES).as_posix())


def test_a_date_a_template_prints_without_the_day_filter_still_reads_dd_mm_yyyy():
    # Why: people read dates as 19/05/2026; a template that prints a date raw must not show them 2026-05-19.
    template = ENVIRONMENT.from_string("hạn {{ due }}, gửi lúc {{ sent }}, số {{ n }}")
    text = template.render(due=date(2026, 5, 19), sent=datetime(2026, 5, 19, 1, 30, tzinfo=UTC), n=3)
    assert text == "hạn 19/05/2026, gửi lúc 08:30 19/05/2026, số 3"


def test_no_template_writes_a_date_in_iso_form():
    for path in sorted(TEMPLATES.rglob("*.j2")):
        source = path.read_text(encoding="utf-8")
        assert "isoformat" not in source and "%Y-%m-%d" not in source, path.name
