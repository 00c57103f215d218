"""Two wards in one database: nothing of one ever shows in, or can be changed from, the other.

Both wards are built from the same example file, so they have units and people with the same keys and
names: a query that forgets to scope by ward returns rows that look right but belong to the other ward."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, func, select

from tests.builders import make_task, make_ward, person, unit
from tracker.clock import Clock
from tracker.errors import NotFoundError, UnknownUnitError
from tracker.models import AuditEvent, Person, Role, Task
from tracker.usecases import (
    TaskChanges,
    TaskDraft,
    add_person,
    bind_chat,
    cancel_task,
    confirm_done,
    create_task,
    decide_extension,
    get_task,
    issue_invite,
    list_extension_requests,
    list_people,
    list_tasks,
    person_for_chat,
    record_update,
    reopen_task,
    report_done,
    request_extension,
    resolve_unit,
    update_task,
    ward_stats,
)

WARD_A, WARD_B = "phuong-mau", "phuong-khac"
DUE = date(2026, 5, 29)
LATER = date(2026, 6, 30)
DAY = date(2026, 5, 18)


def two_wards(session: Session, clock: Clock) -> tuple[int, int]:
    return make_ward(session, clock, WARD_A), make_ward(session, clock, WARD_B)


def tasks_in(session: Session, clock: Clock, org_id: int, unit_keys: list[str]) -> list[Task]:
    return [make_task(session, clock, org_id, key, due=DUE, title=f"Nhiệm vụ số {i} của phường") for i, key in
            enumerate(unit_keys, start=1)]


def pending_request(session: Session, clock: Clock, org_id: int, unit_key: str = "vhxh") -> int:
    task = make_task(session, clock, org_id, unit_key, due=DUE)
    request = request_extension(
        session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id, requested_due_on=LATER,
        reason="Chờ kinh phí bổ sung",
    )
    session.commit()
    return request.id or 0


def audit_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuditEvent)).one()


# ---- reads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_key", ["quan-tri", "chu-tich", "van-thu", "tp-vhxh"])
def test_list_tasks_returns_only_the_tasks_of_the_actors_ward(session, clock, actor_key):
    org_a, org_b = two_wards(session, clock)
    own = tasks_in(session, clock, org_a, ["vhxh", "vhxh"])
    tasks_in(session, clock, org_b, ["vhxh", "vhxh", "kthtdt"])

    listed = list_tasks(session, actor=person(session, org_a, actor_key))

    assert [t.id for t in listed] == [t.id for t in own]
    assert {t.org_id for t in listed} == {org_a}


def test_listing_a_unit_of_another_ward_returns_nothing(session, clock):
    # A unit id is a plain number the bot may pass along; another ward's must not open its task list.
    org_a, org_b = two_wards(session, clock)
    tasks_in(session, clock, org_b, ["vhxh"])

    listed = list_tasks(session, actor=person(session, org_a, "van-thu"), unit_id=unit(session, org_b, "vhxh").id)

    assert listed == []


def test_list_tasks_of_overdue_work_stays_in_the_ward(session, clock):
    org_a, org_b = two_wards(session, clock)
    make_task(session, clock, org_a, "vhxh", due=date(2026, 5, 8))
    make_task(session, clock, org_b, "vhxh", due=date(2026, 5, 8))
    make_task(session, clock, org_b, "kthtdt", due=date(2026, 5, 4))

    overdue = list_tasks(session, actor=person(session, org_a, "chu-tich"), overdue_on=DAY)

    assert [t.org_id for t in overdue] == [org_a]


@pytest.mark.parametrize("actor_key", ["chu-tich", "tp-vhxh"])
def test_ward_stats_count_only_the_tasks_of_the_actors_ward(session, clock, actor_key):
    org_a, org_b = two_wards(session, clock)
    tasks_in(session, clock, org_a, ["vhxh", "vhxh"])
    tasks_in(session, clock, org_b, ["vhxh", "vhxh", "vhxh", "kthtdt"])

    stats = ward_stats(session, actor=person(session, org_a, actor_key), day=DAY)

    assert sum(stats.totals.values()) == 2
    assert {u.unit.org_id for u in stats.units} == {org_a}


def test_get_task_of_another_ward_looks_exactly_like_a_missing_task(session, clock):
    org_a, org_b = two_wards(session, clock)
    theirs = make_task(session, clock, org_b, "vhxh")
    missing_id = theirs.id + 1000
    actor = person(session, org_a, "chu-tich")

    with pytest.raises(NotFoundError) as theirs_error:
        get_task(session, actor=actor, task_id=theirs.id)
    with pytest.raises(NotFoundError) as missing_error:
        get_task(session, actor=actor, task_id=missing_id)

    # Same words as for an id that does not exist, so nobody can probe which ids another ward uses.
    assert str(theirs_error.value).replace(str(theirs.id), "#") == str(missing_error.value).replace(
        str(missing_id), "#"
    )
    assert "nhiệm vụ" in str(theirs_error.value)


@pytest.mark.parametrize("actor_key", ["quan-tri", "tp-vhxh"])
def test_list_people_returns_only_the_people_of_the_actors_ward(session, clock, actor_key):
    org_a, org_b = two_wards(session, clock)
    add_person(
        session, clock=clock, actor=person(session, org_b, "quan-tri"), key="cb-khac", name="Người Phường Khác",
        role=Role.MEMBER, unit_id=unit(session, org_b, "vhxh").id,
    )
    session.commit()

    people = list_people(session, actor=person(session, org_a, actor_key))

    in_a = session.exec(select(func.count()).select_from(Person).where(Person.org_id == org_a)).one()
    assert len(people) == in_a
    assert {p.org_id for p in people} == {org_a}
    assert "cb-khac" not in {p.key for p in people}


@pytest.mark.parametrize("actor_key", ["chu-tich", "tp-vhxh"])
def test_list_extension_requests_returns_only_the_actors_ward(session, clock, actor_key):
    org_a, org_b = two_wards(session, clock)
    ours = pending_request(session, clock, org_a)
    pending_request(session, clock, org_b)
    pending_request(session, clock, org_b)

    for pending_only in (True, False):
        seen = list_extension_requests(session, actor=person(session, org_a, actor_key), pending_only=pending_only)
        assert [r.id for r in seen] == [ours]


def test_resolve_unit_finds_the_unit_of_the_given_ward_only(session, clock):
    org_a, org_b = two_wards(session, clock)
    ours, theirs = unit(session, org_a, "vhxh"), unit(session, org_b, "vhxh")

    for text in ("vhxh", "Phòng Văn hoá - Xã hội", "VH-XH"):
        assert resolve_unit(session, org_id=org_a, text=text).id == ours.id
        assert resolve_unit(session, org_id=org_b, text=text).id == theirs.id
    assert resolve_unit(session, org_id=org_a, text=str(ours.id)).id == ours.id


def test_resolve_unit_does_not_accept_the_id_of_another_wards_unit(session, clock):
    org_a, org_b = two_wards(session, clock)
    theirs = unit(session, org_b, "bqlda")

    with pytest.raises(UnknownUnitError):
        resolve_unit(session, org_id=org_a, text=str(theirs.id))


# ---- chat bindings -----------------------------------------------------------------------------------


def test_an_invite_of_one_ward_binds_the_chat_to_that_wards_person_only(session, clock):
    # Both wards have a "tp-vhxh"; the code must bind the very person it was issued for.
    org_a, org_b = two_wards(session, clock)
    head_a, head_b = person(session, org_a, "tp-vhxh"), person(session, org_b, "tp-vhxh")
    invite_a = issue_invite(session, clock=clock, actor=person(session, org_a, "quan-tri"), person_id=head_a.id)
    issue_invite(session, clock=clock, actor=person(session, org_b, "quan-tri"), person_id=head_b.id)
    session.commit()

    identity = bind_chat(session, clock=clock, channel="telegram", external_id="700100", code=invite_a.code)
    session.commit()

    assert (identity.org_id, identity.person_id) == (org_a, head_a.id)
    bound = person_for_chat(session, channel="telegram", external_id="700100")
    assert bound is not None
    assert (bound.org_id, bound.id) == (org_a, head_a.id)


def test_an_admin_cannot_issue_an_invite_for_a_person_of_another_ward(session, clock):
    org_a, org_b = two_wards(session, clock)
    their_head = person(session, org_b, "tp-vhxh").id
    before = audit_count(session)

    with pytest.raises(NotFoundError):
        issue_invite(session, clock=clock, actor=person(session, org_a, "quan-tri"), person_id=their_head)
    session.commit()
    assert audit_count(session) == before


# ---- writes with another ward's ids ------------------------------------------------------------------

TaskAttempt = Callable[[Session, Clock, Person, int], Any]

WITH_TASK_ID: dict[str, TaskAttempt] = {
    "get_task": lambda s, c, a, task_id: get_task(s, actor=a, task_id=task_id),
    "update_task": lambda s, c, a, task_id: update_task(
        s, clock=c, actor=a, task_id=task_id, changes=TaskChanges(title="Đổi nội dung")
    ),
    "record_update": lambda s, c, a, task_id: record_update(
        s, clock=c, actor=a, task_id=task_id, result_text="Đã hoàn thành 50%"
    ),
    "report_done": lambda s, c, a, task_id: report_done(s, clock=c, actor=a, task_id=task_id),
    "confirm_done": lambda s, c, a, task_id: confirm_done(s, clock=c, actor=a, task_id=task_id),
    "reopen_task": lambda s, c, a, task_id: reopen_task(s, clock=c, actor=a, task_id=task_id, reason="Làm lại"),
    "cancel_task": lambda s, c, a, task_id: cancel_task(s, clock=c, actor=a, task_id=task_id, reason="Không cần nữa"),
    "request_extension": lambda s, c, a, task_id: request_extension(
        s, clock=c, actor=a, task_id=task_id, requested_due_on=LATER, reason="Chờ số liệu"
    ),
}


@pytest.mark.parametrize("actor_key", ["quan-tri", "chu-tich", "van-thu", "tp-vhxh"])
@pytest.mark.parametrize("use_case", list(WITH_TASK_ID))
def test_a_task_id_of_another_ward_is_not_found_by_any_use_case(session, clock, use_case, actor_key):
    org_a, org_b = two_wards(session, clock)
    theirs = make_task(session, clock, org_b, "vhxh", due=DUE)
    if use_case == "reopen_task":
        confirm_done(session, clock=clock, actor=person(session, org_b, "van-thu"), task_id=theirs.id)
        session.commit()
    stored = session.get(Task, theirs.id).model_dump()
    before = audit_count(session)

    with pytest.raises(NotFoundError) as caught:
        WITH_TASK_ID[use_case](session, clock, person(session, org_a, actor_key), theirs.id)
    assert "nhiệm vụ" in str(caught.value)

    session.commit()
    session.expire_all()
    assert session.get(Task, theirs.id).model_dump() == stored
    assert audit_count(session) == before


def test_a_leader_cannot_decide_an_extension_request_of_another_ward(session, clock):
    org_a, org_b = two_wards(session, clock)
    theirs = pending_request(session, clock, org_b)

    with pytest.raises(NotFoundError):
        decide_extension(session, clock=clock, actor=person(session, org_a, "chu-tich"), request_id=theirs,
                         approve=True)


def test_a_task_cannot_be_given_to_or_shared_with_a_unit_of_another_ward(session, clock):
    org_a, org_b = two_wards(session, clock)
    office = person(session, org_a, "van-thu")
    their_unit = unit(session, org_b, "vhxh").id
    ours = make_task(session, clock, org_a, "vhxh", due=DUE)

    with pytest.raises(NotFoundError):
        create_task(session, clock=clock, actor=office, draft=TaskDraft(title="Nhiệm vụ mới", owner_unit_id=their_unit))
    with pytest.raises(NotFoundError):
        create_task(session, clock=clock, actor=office, draft=TaskDraft(
            title="Nhiệm vụ mới", owner_unit_id=unit(session, org_a, "vhxh").id, coordinating_unit_ids=[their_unit]
        ))
    with pytest.raises(NotFoundError):
        update_task(session, clock=clock, actor=office, task_id=ours.id, changes=TaskChanges(owner_unit_id=their_unit))
    session.rollback()
    with pytest.raises(NotFoundError):
        update_task(
            session, clock=clock, actor=office, task_id=ours.id, changes=TaskChanges(coordinating_unit_ids=[their_unit])
        )
    session.rollback()

    assert session.exec(select(func.count()).select_from(Task).where(Task.org_id == org_a)).one() == 1


def test_a_new_task_cannot_name_a_supervising_leader_of_another_ward(session, clock):
    # The supervising leader is who sees the task in the overdue digest: a leader of another ward would
    # be shown this ward's tasks. Units are checked the same way (NotFoundError), leaders must be too.
    org_a, org_b = two_wards(session, clock)
    draft = TaskDraft(
        title="Nhiệm vụ mới", owner_unit_id=unit(session, org_a, "vhxh").id,
        supervising_leader_id=person(session, org_b, "chu-tich").id,
    )

    with pytest.raises(NotFoundError):
        create_task(session, clock=clock, actor=person(session, org_a, "van-thu"), draft=draft)


def test_a_task_cannot_be_given_a_supervising_leader_of_another_ward(session, clock):
    # Same reason as for a new task: the digest of another ward's leader must never list this task.
    org_a, org_b = two_wards(session, clock)
    ours = make_task(session, clock, org_a, "vhxh", due=DUE)
    changes = TaskChanges(supervising_leader_id=person(session, org_b, "chu-tich").id)

    with pytest.raises(NotFoundError):
        update_task(session, clock=clock, actor=person(session, org_a, "van-thu"), task_id=ours.id, changes=changes)


def test_an_admin_cannot_add_a_person_to_a_unit_of_another_ward(session, clock):
    org_a, org_b = two_wards(session, clock)

    with pytest.raises(NotFoundError):
        add_person(
            session, clock=clock, actor=person(session, org_a, "quan-tri"), key="cb-moi", name="Lê Văn Hùng",
            role=Role.MEMBER, unit_id=unit(session, org_b, "vhxh").id,
        )
    session.rollback()
    assert session.exec(select(Person).where(Person.key == "cb-moi")).first() is None
