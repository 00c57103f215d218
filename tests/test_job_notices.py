"""The extension notices job: whoever asked for more time, and the unit's head, hear the decision once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from jobs.runner import run_job
from tests.builders import make_task, make_ward, person
from tracker.clock import WARD_TZ, FixedClock
from tracker.models import Notification
from tracker.usecases import decide_extension, request_extension

MORNING = datetime(2026, 5, 18, 8, 0, tzinfo=WARD_TZ)


def decided(session, clock, org_id: int, *, asked_by: str, approve: bool) -> int:
    task = make_task(session, clock, org_id, due=date(2026, 5, 20), assigned_on=date(2026, 5, 4))
    request = request_extension(session, clock=clock, actor=person(session, org_id, asked_by), task_id=task.id,
                                requested_due_on=date(2026, 6, 5), reason="Chờ số liệu của Chi cục Thống kê")
    decide_extension(session, clock=clock, actor=person(session, org_id, "chu-tich"), request_id=request.id,
                     approve=approve, note="" if approve else "Đề nghị hoàn thành đúng hạn.")
    session.commit()
    return request.id or 0


def notices(engine) -> list[Notification]:
    with Session(engine) as session:
        query = select(Notification).where(Notification.kind == "extension").order_by(Notification.id)
        return list(session.exec(query))


def test_a_decision_asked_by_the_office_reaches_the_office_and_the_unit_head_once(engine, session, clock):
    org_id = make_ward(session, clock)
    request_id = decided(session, clock, org_id, asked_by="van-thu", approve=False)
    office, head = person(session, org_id, "van-thu").id, person(session, org_id, "tp-vhxh").id
    session.close()
    first = run_job(engine, clock, "extensions", at=MORNING)
    again = run_job(engine, clock, "extensions", at=MORNING + timedelta(minutes=15))
    assert [(o.status, o.rows) for o in (*first, *again)] == [("done", 2), ("done", 0)]
    sent = notices(engine)
    assert [(n.person_id, n.dedupe_key) for n in sent] == [
        (office, f"extension:{request_id}:{office}"), (head, f"extension:{request_id}:{head}")]
    assert all("không được đồng ý" in n.body and "Hạn vẫn là 20/05/2026." in n.body for n in sent)
    assert "Ý kiến: Đề nghị hoàn thành đúng hạn." in sent[0].body


def test_a_pending_request_and_a_decision_older_than_a_month_are_not_announced(engine, session, clock):
    org_id = make_ward(session, clock)
    decided(session, clock, org_id, asked_by="tp-vhxh", approve=True)
    task = make_task(session, clock, org_id, "ca", due=date(2026, 5, 20), assigned_on=date(2026, 5, 4))
    request_extension(session, clock=clock, actor=person(session, org_id, "tca"), task_id=task.id,
                      requested_due_on=date(2026, 6, 5), reason="Chờ ý kiến của Công an thành phố")
    session.commit()
    session.close()
    later = datetime(2026, 6, 22, 8, 0, tzinfo=WARD_TZ)
    assert [o.rows for o in run_job(engine, FixedClock(later), "extensions", at=later)] == [0]
    assert [o.rows for o in run_job(engine, clock, "extensions", at=MORNING)] == [1]
