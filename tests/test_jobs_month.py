"""Two months of the clock: notice 004 imported, every job run at its time on every day from 20 April to
30 June 2026, and the outbox compared with what a clerk with a paper calendar would expect.

The expectation is computed here from plain date arithmetic over a hand-written list of the 2026 public
holidays (checked against the `holidays` package once, below), not with tracker.reminders."""

from __future__ import annotations

import os
import re
import shutil
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from jobs.runner import run_job
from tests.builders import make_ward, person, unit
from tracker.clock import WARD_TZ, FixedClock
from tracker.db import make_engine
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_document
from tracker.jobdays import JOBS
from tracker.models import ChatIdentity, Notification, Task
from tracker.usecases import (
    TaskDraft,
    bind_chat,
    confirm_done,
    create_task,
    decide_extension,
    issue_invite,
    record_update,
    report_done,
    request_extension,
)
from tracker.usecases.imports import import_document, unit_directory
from tracker.workdays import WorkCalendar

FIRST_DAY, LAST_DAY = date(2026, 4, 20), date(2026, 6, 30)
# Vietnam 2026: Tết Dương lịch, Tết Nguyên Đán (16-20/2), Giỗ Tổ Hùng Vương (Sunday 26/4, off on Monday 27/4),
# 30/4, 1/5, Quốc khánh (31/8 in exchange for Saturday 22/8, 1-2/9), Ngày Văn hóa Việt Nam (24/11).
HOLIDAYS_2026 = {
    date(2026, 1, 1), date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19),
    date(2026, 2, 20), date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1),
    date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2), date(2026, 11, 24),
}
MAKE_UP_WORKING_DAYS_2026 = {date(2026, 8, 22)}
UNIT_HEADS = {"vhxh": "tp-vhxh", "kthtdt": "tp-kthtdt", "vp": "cvp", "ttpvhcc": "gd-ttpvhcc",
              "ttdvsnc": "gd-ttdvsnc", "bchqs": "cht-bchqs", "ca": "tca", "tyt": "tt-tyt", "bqlda": "gd-bqlda"}
LIST_LIMIT = 10
DAILY_LINE = re.compile(r"^• #(\d+) .+ — hạn (\d{2}/\d{2}/\d{4})(?: \(mặc định\))? — (.+)$")
DIGEST_LINE = re.compile(r"^• #(\d+) .+ — (.+?) — hạn (\d{2}/\d{2}/\d{4})(?: \(mặc định\))? — (.+)$")
MORE = re.compile(r"^và (\d+) nhiệm vụ khác\.$")


# ---------------------------------------------------------------- the paper calendar


def working(day: date) -> bool:
    return day in MAKE_UP_WORKING_DAYS_2026 or (day.weekday() < 5 and day not in HOLIDAYS_2026)


def on_or_before(day: date) -> date:
    while not working(day):
        day -= timedelta(days=1)
    return day


def plus_working_days(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= working(day)
    return day


def working_days_after(start: date, end: date) -> int:
    return sum(working(start + timedelta(days=k)) for k in range(1, (end - start).days + 1))


def days(first: date = FIRST_DAY, last: date = LAST_DAY) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def test_the_hand_written_holidays_are_those_of_the_calendar_the_tracker_uses():
    # Why: the expectations below rest on this list; if the holidays package changes its 2026 calendar
    # the test must say so here rather than fail mysteriously in the replay.
    calendar = WorkCalendar()
    assert [d for d in days(date(2026, 1, 1), date(2026, 12, 31)) if working(d) != calendar.is_working_day(d)] == []


@dataclass(frozen=True)
class Facts:
    unit: str
    due: date | None
    kind: str
    status: str
    assigned: date


def expected_reminder(task: Facts, day: date) -> str | None:
    """The reason a unit head reads for `task` on the working day `day`, or None."""
    if task.status != "open" or task.due is None or task.kind == "recurring" or task.assigned > day:
        return None
    effective = on_or_before(task.due)
    if effective < day:
        return f"quá hạn {working_days_after(task.due, day)} ngày làm việc"
    day_off = " (hạn rơi vào ngày nghỉ)" if effective != task.due else ""
    if effective == day:
        return "đến hạn hôm nay" + day_off
    for n in (3, 1):
        if effective == plus_working_days(day, n):
            return f"còn {n} ngày làm việc" + day_off
    return None


# ---------------------------------------------------------------- the ward and its month


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WARD_TZ)


def import_notice_004(session: Session, shared_dir, org_id: int) -> None:
    clock = FixedClock(at(date(2026, 5, 7), 15))
    data = (shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_bytes()
    source = read_document(data=data, name="tb-004.txt", max_bytes=10_000_000)
    parsed = parse_document(source.text, units=unit_directory(session, org_id=org_id), today=date(2026, 5, 7))
    import_document(session, clock=clock, actor=person(session, org_id, "van-thu"), source=source, parsed=parsed)
    session.commit()


def add_task(session: Session, org_id: int, unit_key: str, title: str, due: date, assigned: date) -> int:
    draft = TaskDraft(title=title, owner_unit_id=unit(session, org_id, unit_key).id or 0, due_on=due,
                      assigned_on=assigned, deadline_text=f"Trước ngày {due:%d/%m/%Y}")
    task = create_task(session, clock=FixedClock(at(assigned, 9)), actor=person(session, org_id, "van-thu"),
                       draft=draft)
    session.commit()
    return task.id or 0


def bind(session: Session, org_id: int, key: str, channel: str, external_id: str) -> ChatIdentity:
    clock = FixedClock(at(FIRST_DAY, 8))
    invite = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                          person_id=person(session, org_id, key).id or 0)
    identity = bind_chat(session, clock=clock, channel=channel, external_id=external_id, code=invite.code)
    session.commit()
    return identity


@dataclass
class Month:
    org_id: int
    tasks: dict[int, Facts]
    people: dict[str, int]
    ids: dict[str, int]  # "vhxh 2.2.4" -> task id, for the tasks the story touches
    mornings: dict[date, dict[int, Facts]]  # the facts as each day's jobs see them


def task_id(session: Session, org_id: int, unit_key: str, item_ref: str) -> int:
    found = session.exec(select(Task).where(Task.org_id == org_id, Task.item_ref == item_ref,
                                            Task.owner_unit_id == unit(session, org_id, unit_key).id)).one()
    return found.id or 0


@pytest.fixture(scope="module")
def month_engine(tmp_path_factory, _sqlite_template, _postgres_engine) -> Iterator[Engine]:
    """A database of this module's own, so that the two months are replayed once and read by every test
    (no test of this module may use the per-test `engine`, which would empty it on PostgreSQL)."""
    if _postgres_engine is not None:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with _postgres_engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        url = os.environ["TRACKER_TEST_DATABASE_URL"]
    else:
        path = tmp_path_factory.mktemp("month") / "tracker.db"
        shutil.copy(_sqlite_template, path)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def month(month_engine, shared_dir) -> Month:
    with Session(month_engine, expire_on_commit=False) as session:
        return _build_month(session, shared_dir)


def _build_month(session: Session, shared_dir) -> Month:
    org_id = make_ward(session, FixedClock(at(FIRST_DAY, 7)))
    april = add_task(session, org_id, "tyt", "Tổng vệ sinh môi trường, phòng chống sốt xuất huyết đợt 1",
                     due=date(2026, 5, 4), assigned=FIRST_DAY)
    import_notice_004(session, shared_dir, org_id)
    saturday = add_task(session, org_id, "kthtdt", "Kiểm tra trật tự xây dựng tuyến phố Ngũ Lão",
                        due=date(2026, 5, 16), assigned=date(2026, 5, 7))
    chats = {key: bind(session, org_id, key, channel, chat) for key, channel, chat in (
        ("tp-vhxh", "telegram", "1001"), ("tca", "zalo", "z-1002"), ("cht-bchqs", "telegram", "1003"),
        ("chu-tich", "telegram", "1004"), ("pct-vx", "telegram", "1005"))}
    # The Ban Chỉ huy Quân sự's head blocked the bot: bound, but unreachable.
    blocked = chats["cht-bchqs"]
    blocked.unreachable_at, blocked.unreachable_reason = at(FIRST_DAY, 9), "Forbidden: bot was blocked by the user"
    session.add(blocked)
    session.commit()
    unit_keys = {unit(session, org_id, key).id: key for key in UNIT_HEADS}
    tasks = {t.id: Facts(unit_keys[t.owner_unit_id], t.due_on, t.deadline_kind, t.status, t.assigned_on)
             for t in session.exec(select(Task).where(Task.org_id == org_id))}
    ids = {"april": april, "saturday": saturday}
    for name in ("ca 2.6.1a", "ca 2.6.2a", "vhxh 2.2.4", "vhxh 2.2.1"):
        ids[name] = task_id(session, org_id, *name.split())
    people = {key: person(session, org_id, key).id or 0 for key in (*UNIT_HEADS.values(), "chu-tich", "pct-vx",
                                                                     "pct-kt", "van-thu")}
    session.commit()
    return Month(org_id, tasks, people, ids, mornings={})


def story(engine, month: Month) -> dict[date, list[tuple[int, dict]]]:
    """What people do during the two months, at 10:00 (after the morning's jobs), and how it changes the
    facts the expectation uses from the next morning on."""

    def as_(key: str, day: date, hour: int = 10):
        session = Session(engine, expire_on_commit=False)
        return session, person(session, month.org_id, key), FixedClock(at(day, hour))

    def ca_reports_done(day: date) -> None:
        session, actor, clock = as_("tca", day)
        with session:
            report_done(session, clock=clock, actor=actor, task_id=month.ids["ca 2.6.1a"])
            session.commit()

    def vhxh_gets_an_extension(day: date) -> None:
        session, actor, clock = as_("tp-vhxh", day)
        with session:
            request = request_extension(session, clock=clock, actor=actor, task_id=month.ids["vhxh 2.2.4"],
                                        requested_due_on=date(2026, 5, 22), reason="Chờ ý kiến của Sở Giáo dục")
            decide_extension(session, clock=clock, actor=person(session, month.org_id, "chu-tich"),
                             request_id=request.id or 0, approve=True, note="Đồng ý, không gia hạn thêm.")
            session.commit()

    def office_confirms(day: date) -> None:
        session, actor, clock = as_("van-thu", day)
        with session:
            confirm_done(session, clock=clock, actor=actor, task_id=month.ids["ca 2.6.2a"])
            session.commit()

    def vhxh_reports_a_june_result(day: date) -> None:
        session, actor, clock = as_("tp-vhxh", day)
        with session:
            record_update(session, clock=clock, actor=actor, task_id=month.ids["vhxh 2.2.1"], month="2026-06",
                          result_text="Đã hoàn thành thu thập thông tin 100% cơ sở trên địa bàn.")
            session.commit()

    return {
        date(2026, 5, 12): [(ca_reports_done, (month.ids["ca 2.6.1a"], {"status": "reported_done"}))],
        date(2026, 5, 13): [(vhxh_gets_an_extension, (month.ids["vhxh 2.2.4"], {"due": date(2026, 5, 22)}))],
        date(2026, 5, 20): [(office_confirms, (month.ids["ca 2.6.2a"], {"status": "done"}))],
        date(2026, 6, 10): [(vhxh_reports_a_june_result, None)],
    }


def replay(engine, month: Month) -> dict[tuple[date, str], list]:
    """Every day: daily at 07:30, the others at 07:45, each twice; the day's story at 10:00; extension
    notices again at 14:00. Returns the outcomes by (day, job); the facts of each morning go to month.mornings."""
    clock = FixedClock(at(FIRST_DAY, 7))
    events = story(engine, month)
    facts = dict(month.tasks)
    outcomes: dict[tuple[date, str], list] = defaultdict(list)
    for day in days():
        month.mornings[day] = dict(facts)
        for job in JOBS:
            clock.instant = at(day, 7, 30 if job == "daily" else 45)
            for _ in range(2):
                outcomes[(day, job)] += run_job(engine, clock, job, at=clock.instant)
        for action, change in events.get(day, []):
            action(day)
            if change:
                facts[change[0]] = replace(facts[change[0]], **change[1])
        clock.instant = at(day, 14)
        outcomes[(day, "extensions")] += run_job(engine, clock, "extensions", at=clock.instant)
    return outcomes


def notifications(engine, kind: str) -> list[Notification]:
    with Session(engine) as session:
        return list(session.exec(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


@pytest.fixture(scope="module")
def replayed(month_engine, month):
    outcomes = replay(month_engine, month)
    return month, outcomes


# ---------------------------------------------------------------- the daily reminders


def parse_daily(body: str) -> tuple[list[tuple[int, str, str]], int]:
    lines = [m.groups() for m in map(DAILY_LINE.match, body.splitlines()) if m]
    more = [int(m.group(1)) for m in map(MORE.match, body.splitlines()) if m]
    return [(int(i), due, reason) for i, due, reason in lines], (more[0] if more else 0)


def test_every_unit_head_gets_one_reminder_a_working_day_listing_exactly_the_tasks_the_calendar_says(
        month_engine, replayed):
    month, _ = replayed
    sent = {(n.person_id, n.day): n.body for n in notifications(month_engine, "daily")}
    expected: dict[tuple[int, date], list[tuple[int, str, str]]] = {}
    for day in days():
        if not working(day):
            continue
        facts = month.mornings[day]
        for unit_key, head in UNIT_HEADS.items():
            owed = sorted((task.due, task_id, expected_reminder(task, day)) for task_id, task in facts.items()
                          if task.unit == unit_key and expected_reminder(task, day))
            if owed:
                expected[(month.people[head], day)] = [(i, f"{due:%d/%m/%Y}", reason) for due, i, reason in owed]
    assert set(sent) == set(expected)
    for key, owed in expected.items():
        shown, more = parse_daily(sent[key])
        assert shown == owed[:LIST_LIMIT], key
        assert more == max(0, len(owed) - LIST_LIMIT), key


def test_holidays_and_weekends_get_no_reminder_and_the_april_task_is_reminded_around_them(month_engine, replayed):
    month, _ = replayed
    sent_days = {n.day for n in notifications(month_engine, "daily")}
    assert not sent_days & {d for d in days() if not working(d)}
    tyt = month.people["tt-tyt"]
    april = [(n.day, parse_daily(n.body)[0]) for n in notifications(month_engine, "daily") if n.person_id == tyt
             and n.day < date(2026, 5, 7)]
    # Due Monday 4/5: 3 working days before is Friday 24/4 (27/4 is the Hùng Kings day off, 30/4 and 1/5
    # are holidays), 1 working day before is Wednesday 29/4.
    assert [(d, [reason for _, _, reason in lines]) for d, lines in april] == [
        (date(2026, 4, 24), ["còn 3 ngày làm việc"]),
        (date(2026, 4, 29), ["còn 1 ngày làm việc"]),
        (date(2026, 5, 4), ["đến hạn hôm nay"]),
        (date(2026, 5, 5), ["quá hạn 1 ngày làm việc"]),
        (date(2026, 5, 6), ["quá hạn 2 ngày làm việc"]),
    ]


def test_a_deadline_on_a_saturday_is_reminded_as_due_on_the_friday_before(month_engine, replayed):
    month, _ = replayed
    reasons = {}
    for n in notifications(month_engine, "daily"):
        for task, _, reason in parse_daily(n.body)[0]:
            if task == month.ids["saturday"]:
                reasons[n.day] = reason
    assert reasons[date(2026, 5, 12)] == "còn 3 ngày làm việc (hạn rơi vào ngày nghỉ)"
    assert reasons[date(2026, 5, 14)] == "còn 1 ngày làm việc (hạn rơi vào ngày nghỉ)"
    assert reasons[date(2026, 5, 15)] == "đến hạn hôm nay (hạn rơi vào ngày nghỉ)"
    assert reasons[date(2026, 5, 18)] == "quá hạn 1 ngày làm việc"


def test_a_task_reported_done_is_no_longer_reminded_and_an_extension_moves_its_reminders(month_engine, replayed):
    month, _ = replayed
    reminded: dict[int, list[date]] = defaultdict(list)
    for n in notifications(month_engine, "daily"):
        for task, _, _ in parse_daily(n.body)[0]:
            reminded[task].append(n.day)
    assert max(reminded[month.ids["ca 2.6.1a"]]) == date(2026, 5, 12)
    assert reminded[month.ids["vhxh 2.2.4"]][:4] == [date(2026, 5, 12), date(2026, 5, 19), date(2026, 5, 21),
                                                     date(2026, 5, 22)]


# ---------------------------------------------------------------- the other jobs


def test_running_every_job_again_creates_nothing_and_says_it_already_ran(month_engine, replayed):
    _, outcomes = replayed
    for (day, job), runs in outcomes.items():
        first, second = runs[0], runs[1]
        assert second.rows == 0, (day, job)
        if first.status == "done" and job != "extensions":
            assert second.status == "already_ran", (day, job)
            assert "đã chạy trước đó" in second.message
    count = len(notifications(month_engine, "daily"))
    for job in JOBS:
        again = run_job(month_engine, FixedClock(at(date(2026, 5, 29), 9)), job, at=at(date(2026, 5, 29), 9))
        assert sum(o.rows for o in again) == 0
    assert len(notifications(month_engine, "daily")) == count


def test_the_weekly_summary_goes_out_on_working_mondays_only(month_engine, replayed):
    month, _ = replayed
    chairman = month.people["chu-tich"]
    mondays = [d for d in days() if d.weekday() == 0 and working(d)]
    assert date(2026, 4, 27) not in mondays
    assert [n.day for n in notifications(month_engine, "weekly") if n.person_id == chairman] == mondays
    week = next(n.body for n in notifications(month_engine, "weekly")
                if n.person_id == chairman and n.day == date(2026, 5, 25))
    assert "Tuần trước (18/05/2026 – 24/05/2026) hoàn thành 1 nhiệm vụ." in week
    assert f"#{month.ids['ca 2.6.2a']} " in week


def test_the_results_request_goes_out_two_working_days_before_the_report_day_without_reported_tasks(
        month_engine, replayed):
    month, _ = replayed
    requests = notifications(month_engine, "collect")
    # Report days: Monday 18/5 and Thursday 18/6; two working days before: Thursday 14/5, Tuesday 16/6.
    assert {n.day for n in requests} == {date(2026, 5, 14), date(2026, 6, 16)}
    heads = {month.people[h] for h in UNIT_HEADS.values()}
    assert {n.person_id for n in requests if n.day == date(2026, 6, 16)} == heads
    june_vhxh = next(n.body for n in requests if n.day == date(2026, 6, 16) and n.person_id == month.people["tp-vhxh"])
    assert "chưa có kết quả thực hiện tháng 06/2026" in june_vhxh and "trước ngày 18/06/2026" in june_vhxh
    assert f"#{month.ids['vhxh 2.2.1']} " not in june_vhxh
    may_ca = next(n.body for n in requests if n.day == date(2026, 5, 14) and n.person_id == month.people["tca"])
    assert f"#{month.ids['ca 2.6.1a']} " in may_ca  # reported done, still owes its result


def test_an_approved_extension_is_announced_once_to_the_unit_head_who_asked(month_engine, replayed):
    month, _ = replayed
    notices = notifications(month_engine, "extension")
    assert [(n.person_id, n.day) for n in notices] == [(month.people["tp-vhxh"], date(2026, 5, 13))]
    assert notices[0].dedupe_key.startswith("extension:") and notices[0].dedupe_key.endswith(
        f":{month.people['tp-vhxh']}")
    assert "đã được đồng ý" in notices[0].body and "Hạn mới: 22/05/2026." in notices[0].body
    assert "Ý kiến: Đồng ý, không gia hạn thêm." in notices[0].body


# ---------------------------------------------------------------- the leaders' digest


def digest_of(engine, person_id: int, day: date) -> str:
    return next(n.body for n in notifications(engine, "digest") if n.person_id == person_id and n.day == day)


def test_the_chairmans_digest_puts_the_escalated_tasks_first_in_appendix_order(month_engine, replayed):
    month, _ = replayed
    body = digest_of(month_engine, month.people["chu-tich"], date(2026, 5, 19))
    lines = body.splitlines()
    escalated_at, others_at = lines.index("Quá hạn trên 3 ngày làm việc:"), lines.index("Quá hạn khác:")
    assert escalated_at < others_at
    escalated = [m.groups() for m in map(DIGEST_LINE.match, lines[escalated_at + 1:others_at]) if m]
    # Due Wednesday 13/5, overdue on 14, 15, 18 and 19/5: 4 working days. Ban Chỉ huy Quân sự (6) comes
    # before Công an phường (7), whose task 2.6.1a was reported done and awaits confirmation, and Trạm Y tế
    # (8) last although its April task is the most overdue: units keep the appendix order.
    assert [(unit_name, reason) for _, unit_name, _, reason in escalated] == [
        ("Ban Chỉ huy Quân sự", "quá hạn 4 ngày làm việc"),
        ("Ban Chỉ huy Quân sự", "quá hạn 4 ngày làm việc"),
        ("Công an phường", "quá hạn 4 ngày làm việc, đơn vị báo đã xong, chờ xác nhận"),
        ("Công an phường", "quá hạn 4 ngày làm việc"),
        ("Trạm Y tế", "quá hạn 11 ngày làm việc"),
    ]
    others = [m.groups() for m in map(DIGEST_LINE.match, lines[others_at + 1:]) if m]
    assert all(reason.startswith("quá hạn") and int(reason.split()[2]) <= 3 for *_, reason in others)
    assert "Đồng chí Đỗ Quang Vĩnh: 10 nhiệm vụ quá hạn, trong đó 5 nhiệm vụ quá hạn trên 3 ngày làm việc." in body


def test_each_digest_names_the_units_whose_head_cannot_be_reached_by_chat(month_engine, replayed):
    month, _ = replayed
    chairman = digest_of(month_engine, month.people["chu-tich"], date(2026, 5, 19))
    unreachable = next(line for line in chairman.splitlines() if line.startswith("Đơn vị chưa nhận được nhắc việc"))
    names = unreachable.split(": ", 1)[1].rstrip(".").split(", ")
    assert "Ban Chỉ huy Quân sự" in names  # bound, but the bot was blocked
    assert "Phòng Văn hóa - Xã hội" not in names and "Công an phường" not in names
    vice = digest_of(month_engine, month.people["pct-vx"], date(2026, 5, 19))
    assert "Trung tâm Phục vụ hành chính công, Trạm Y tế." in vice
    assert "Ban Chỉ huy Quân sự" not in vice  # not one of her units
    office = digest_of(month_engine, month.people["van-thu"], date(2026, 5, 19))
    assert "Hộp thư đi" not in office  # nothing failed


def test_no_message_of_the_month_shows_a_date_any_other_way_than_dd_mm_yyyy(month_engine, replayed):
    # Why: people read dates as 30/06/2026; an ISO date ("2026-06-30") slipped into a message is a defect.
    with Session(month_engine) as session:
        bodies = [n.body for n in session.exec(select(Notification))]
    assert len(bodies) > 50
    iso = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
    assert [body for body in bodies if iso.search(body)] == []
