"""The report's status classes, day by day through a simulated month with the injected clock."""

from dataclasses import asdict
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col, select

from tests.builders import make_task, make_ward, person, unit
from tracker.clock import WARD_TZ, FixedClock
from tracker.models import DeadlineKind, Organization, Task, TaskStatus
from tracker.status import StatusClass, TaskFacts, classify, status_class_sql
from tracker.usecases import cancel_task, confirm_done, decide_extension, report_done, request_extension, ward_stats


def _totals(session, org_id, day):
    stats = ward_stats(session, actor=person(session, org_id, "chu-tich"), day=day)
    return {c: n for c, n in stats.totals.items() if n}


def test_a_simulated_may_counts_every_class_as_the_reports_do(session):
    clock = FixedClock(datetime(2026, 5, 4, 8, 0, tzinfo=WARD_TZ))
    org_id = make_ward(session, clock)
    clerk, head = person(session, org_id, "van-thu"), person(session, org_id, "tp-vhxh")
    on_time = make_task(session, clock, org_id, due=date(2026, 5, 15), title="Đúng hạn")
    late = make_task(session, clock, org_id, due=date(2026, 5, 10), title="Quá hạn rồi xong")
    no_deadline = make_task(session, clock, org_id, title="Không có hạn")
    make_task(session, clock, org_id, due=date(2026, 5, 12), title="Còn quá hạn")
    make_task(session, clock, org_id, title="Thường xuyên", kind="recurring")
    make_task(session, clock, org_id, due=date(2026, 5, 31), title="Giao sau", assigned_on=date(2026, 5, 20))

    seen = {}
    for offset in range(28):  # 4 to 31 May
        day = date(2026, 5, 4) + timedelta(days=offset)
        clock.instant = datetime(day.year, day.month, day.day, 16, 0, tzinfo=WARD_TZ)
        if day == date(2026, 5, 14):
            report_done(session, clock=clock, actor=head, task_id=on_time.id)
            confirm_done(session, clock=clock, actor=clerk, task_id=on_time.id)
        if day == date(2026, 5, 13):
            confirm_done(session, clock=clock, actor=clerk, task_id=late.id)
            confirm_done(session, clock=clock, actor=clerk, task_id=no_deadline.id)
        session.commit()
        seen[day] = _totals(session, org_id, day)

    assert seen[date(2026, 5, 4)] == {StatusClass.IN_PROGRESS_ON_TIME: 4, StatusClass.RECURRING: 1}
    assert seen[date(2026, 5, 11)] == {
        StatusClass.IN_PROGRESS_ON_TIME: 3, StatusClass.IN_PROGRESS_OVERDUE: 1, StatusClass.RECURRING: 1}
    assert seen[date(2026, 5, 13)] == {
        StatusClass.IN_PROGRESS_ON_TIME: 1, StatusClass.IN_PROGRESS_OVERDUE: 1, StatusClass.DONE_LATE: 1,
        StatusClass.DONE_NO_DEADLINE: 1, StatusClass.RECURRING: 1}
    assert seen[date(2026, 5, 31)] == {
        StatusClass.DONE_ON_TIME: 1, StatusClass.DONE_LATE: 1, StatusClass.DONE_NO_DEADLINE: 1,
        StatusClass.IN_PROGRESS_OVERDUE: 1, StatusClass.IN_PROGRESS_ON_TIME: 1, StatusClass.RECURRING: 1}
    # Asked about an earlier day afterwards, a task finished later still counts as in progress then.
    assert _totals(session, org_id, date(2026, 5, 11)) == seen[date(2026, 5, 11)]


def test_a_task_reported_done_but_not_confirmed_is_still_in_progress(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    report_done(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id)
    session.commit()
    assert _totals(session, org_id, date(2026, 5, 25)) == {StatusClass.IN_PROGRESS_OVERDUE: 1}


def test_on_time_means_by_the_due_date_in_force_after_an_approved_extension(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    request = request_extension(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id,
                                requested_due_on=date(2026, 6, 10), reason="Chờ ý kiến của thành phố")
    decide_extension(session, clock=clock, actor=person(session, org_id, "chu-tich"), request_id=request.id,
                     approve=True)
    session.commit()
    assert _totals(session, org_id, date(2026, 5, 25)) == {StatusClass.IN_PROGRESS_ON_TIME: 1}
    clock.instant = datetime(2026, 6, 5, 9, 0, tzinfo=WARD_TZ)
    confirm_done(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id)
    session.commit()
    assert _totals(session, org_id, date(2026, 6, 30)) == {StatusClass.DONE_ON_TIME: 1}


def test_a_cancelled_task_is_not_counted(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, due=date(2026, 5, 20))
    cancel_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id, reason="Trùng")
    session.commit()
    assert _totals(session, org_id, date(2026, 5, 25)) == {}


def test_a_unit_head_sees_the_figures_of_its_own_unit_only(session, clock):
    org_id = make_ward(session, clock)
    make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 20))
    make_task(session, clock, org_id, "ca", due=date(2026, 5, 20))
    stats = ward_stats(session, actor=person(session, org_id, "tp-vhxh"), day=date(2026, 5, 25))
    assert [u.unit.key for u in stats.units] == ["vhxh"]
    assert stats.totals == {StatusClass.IN_PROGRESS_OVERDUE: 1}


_days = st.dates(min_value=date(2026, 4, 1), max_value=date(2026, 7, 31))
_facts = st.builds(
    TaskFacts,
    status=st.sampled_from(list(TaskStatus)),
    deadline_kind=st.sampled_from(list(DeadlineKind)),
    due_on=st.none() | _days,
    assigned_on=_days,
    finished_on=st.none() | _days,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=st.lists(_facts, min_size=1, max_size=30), day=_days)
def test_the_database_counts_classes_exactly_as_the_rule_for_one_task_says(session, clock, facts, day):
    # ward_stats counts in SQL for speed; this keeps that expression and classify() one rule.
    org_id = session.exec(select(Organization.id)).first() or make_ward(session, clock)
    owner = unit(session, org_id, "vhxh").id
    now = clock.now()
    rows = [Task(org_id=org_id, owner_unit_id=owner, title="x", created_at=now, updated_at=now, **asdict(f))
            for f in facts]
    session.add_all(rows)
    session.flush()
    query = select(Task.id, status_class_sql(day)).where(col(Task.id).in_([r.id for r in rows]))
    in_sql = dict(session.exec(query).all())
    for row, fact in zip(rows, facts, strict=True):
        expected = classify(fact, day)
        if expected is not None:
            assert in_sql[row.id] == expected.value, fact
    session.rollback()
