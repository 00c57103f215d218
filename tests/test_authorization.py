"""Who may do what: every role against every use case, on a task of the unit head's own unit, of another
unit of the same ward, and of another ward. The expected outcomes are written out in EXPECTED below, from
the rules of design.md ("a unit head sees and changes only its own unit's tasks"), never computed from
tracker.access: a table computed from the code under test could not fail."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from tests.builders import make_task, make_ward, person, unit
from tracker.clock import Clock
from tracker.errors import ForbiddenError, NotFoundError, TrackerError
from tracker.models import (
    AuditEvent,
    ChatIdentity,
    ExtensionRequest,
    InviteCode,
    Person,
    Role,
    Task,
    TaskStatus,
    Unit,
    Update,
)
from tracker.usecases import (
    TaskChanges,
    TaskDraft,
    add_person,
    cancel_task,
    confirm_done,
    create_task,
    decide_extension,
    get_task,
    issue_invite,
    list_extension_requests,
    list_people,
    list_tasks,
    record_update,
    reopen_task,
    report_done,
    request_extension,
    update_task,
    ward_stats,
)

OTHER_WARD = "phuong-khac"
DUE = date(2026, 5, 29)  # eleven days after the clock's Monday 18 May 2026
LATER = date(2026, 6, 30)

# The acting person of each role, by key in config/ward.example.toml; the member is added by the admin.
ACTORS = {"admin": "quan-tri", "leader": "chu-tich", "office": "van-thu", "unit_head": "tp-vhxh", "member": "cb-vhxh"}
ROLES = tuple(ACTORS)
OWN_UNIT, OTHER_UNIT = "vhxh", "kthtdt"  # the unit of tp-vhxh and cb-vhxh, and a unit they do not belong to
TARGETS = ("own_unit", "other_unit", "other_ward")

OK, FORBIDDEN, NOT_FOUND = "ok", "forbidden", "not_found"
Y, F, N = OK, FORBIDDEN, NOT_FOUND  # yes, forbidden, not found


def row(*cells: tuple[str, str, str]) -> dict[str, tuple[str, str, str]]:
    return dict(zip(ROLES, cells, strict=True))


# Outcome per action and role, as (own unit, other unit, other ward). Admin, leader and office act on the
# whole ward, so "own unit" is simply the unit head's unit for them. Another ward's task, unit or person
# always looks absent (not found), never forbidden, except where the actor may not do the action at all
# whatever its target (a unit head creating a task): refusing that reveals nothing about the other ward.
EXPECTED: dict[str, dict[str, tuple[str, str, str]]] = {
    #                        admin      leader     office     unit_head  member
    "view":              row((Y, Y, N), (Y, Y, N), (Y, Y, N), (Y, F, N), (Y, F, N)),
    "create_task":       row((Y, Y, N), (Y, Y, N), (Y, Y, N), (F, F, F), (F, F, F)),
    "update_task":       row((Y, Y, N), (Y, Y, N), (Y, Y, N), (F, F, N), (F, F, N)),
    "record_update":     row((Y, Y, N), (Y, Y, N), (Y, Y, N), (Y, F, N), (Y, F, N)),
    "report_done":       row((Y, Y, N), (Y, Y, N), (Y, Y, N), (Y, F, N), (F, F, N)),
    "confirm_done":      row((Y, Y, N), (Y, Y, N), (Y, Y, N), (F, F, N), (F, F, N)),
    "reopen_task":       row((Y, Y, N), (Y, Y, N), (Y, Y, N), (F, F, N), (F, F, N)),
    "cancel_task":       row((Y, Y, N), (Y, Y, N), (Y, Y, N), (F, F, N), (F, F, N)),
    "request_extension": row((Y, Y, N), (Y, Y, N), (Y, Y, N), (Y, F, N), (F, F, N)),
    "decide_extension":  row((F, F, N), (Y, Y, N), (F, F, N), (F, F, N), (F, F, N)),
    "add_person":        row((Y, Y, N), (F, F, F), (F, F, F), (F, F, F), (F, F, F)),
    "issue_invite":      row((Y, Y, N), (F, F, F), (F, F, F), (F, F, F), (F, F, F)),
}  # fmt: skip
ACTIONS = tuple(EXPECTED)

MATRIX = [
    pytest.param(action, role, target, EXPECTED[action][role][i], id=f"{role}-{action}-{target}")
    for action in ACTIONS
    for role in ROLES
    for i, target in enumerate(TARGETS)
]


@dataclass(frozen=True)
class Target:
    """What an action is aimed at: a task (in the state the action needs), its unit and that unit's head,
    and the task's pending extension request when the action decides one."""

    task_id: int
    unit_id: int
    unit_head_id: int
    request_id: int | None = None


# ---- builders ----------------------------------------------------------------------------------------


def add_member(session: Session, clock: Clock, org_id: int) -> Person:
    """A plain member (cán bộ) of the unit head's unit, added by the ward's admin and committed."""
    member = add_person(
        session, clock=clock, actor=person(session, org_id, "quan-tri"), key="cb-vhxh", name="Phan Thị Mai",
        title="Chuyên viên Phòng Văn hóa - Xã hội", role=Role.MEMBER, unit_id=unit(session, org_id, OWN_UNIT).id,
    )
    session.commit()
    return member


def make_target(session: Session, clock: Clock, org_id: int, unit_key: str, action: str) -> Target:
    """An open task of `unit_key`, then moved into the state `action` needs, committed."""
    task = make_task(session, clock, org_id, unit_key, due=DUE)
    office = person(session, org_id, "van-thu")
    request_id = None
    if action == "reopen_task":
        confirm_done(session, clock=clock, actor=office, task_id=task.id)
    if action == "decide_extension":
        request = request_extension(
            session, clock=clock, actor=office, task_id=task.id, requested_due_on=LATER, reason="Chờ số liệu"
        )
        request_id = request.id
    session.commit()
    head_key = {OWN_UNIT: "tp-vhxh", OTHER_UNIT: "tp-kthtdt"}[unit_key]
    return Target(
        task_id=task.id or 0, unit_id=task.owner_unit_id, unit_head_id=person(session, org_id, head_key).id or 0,
        request_id=request_id,
    )


def ward_with_actors(session: Session, clock: Clock) -> int:
    """The example ward with its member added; returns the ward's id."""
    org_id = make_ward(session, clock)
    add_member(session, clock, org_id)
    return org_id


def target_for(session: Session, clock: Clock, org_id: int, where: str, action: str) -> Target:
    if where == "own_unit":
        return make_target(session, clock, org_id, OWN_UNIT, action)
    if where == "other_unit":
        return make_target(session, clock, org_id, OTHER_UNIT, action)
    other_org = make_ward(session, clock, OTHER_WARD)
    return make_target(session, clock, other_org, OWN_UNIT, action)


# ---- the actions, each through its public use case -----------------------------------------------------

Attempt = Callable[[Session, Clock, Person, Target], Any]

ATTEMPTS: dict[str, Attempt] = {
    "view": lambda s, c, actor, t: get_task(s, actor=actor, task_id=t.task_id),
    "create_task": lambda s, c, actor, t: create_task(
        s, clock=c, actor=actor, draft=TaskDraft(title="Tổ chức Ngày hội Đại đoàn kết toàn dân tộc",
                                                 owner_unit_id=t.unit_id, due_on=LATER),
    ),
    "update_task": lambda s, c, actor, t: update_task(
        s, clock=c, actor=actor, task_id=t.task_id, changes=TaskChanges(title="Rà soát hộ nghèo, hộ cận nghèo"),
    ),
    "record_update": lambda s, c, actor, t: record_update(
        s, clock=c, actor=actor, task_id=t.task_id, result_text="Đã rà soát 120/150 hộ trên địa bàn.",
    ),
    "report_done": lambda s, c, actor, t: report_done(s, clock=c, actor=actor, task_id=t.task_id),
    "confirm_done": lambda s, c, actor, t: confirm_done(s, clock=c, actor=actor, task_id=t.task_id),
    "reopen_task": lambda s, c, actor, t: reopen_task(
        s, clock=c, actor=actor, task_id=t.task_id, reason="Kết quả chưa đạt yêu cầu",
    ),
    "cancel_task": lambda s, c, actor, t: cancel_task(
        s, clock=c, actor=actor, task_id=t.task_id, reason="Nhiệm vụ đã được giao cho đơn vị khác",
    ),
    "request_extension": lambda s, c, actor, t: request_extension(
        s, clock=c, actor=actor, task_id=t.task_id, requested_due_on=LATER, reason="Chờ hướng dẫn của Sở",
    ),
    "decide_extension": lambda s, c, actor, t: decide_extension(
        s, clock=c, actor=actor, request_id=t.request_id or 0, approve=True, note="Đồng ý",
    ),
    "add_person": lambda s, c, actor, t: add_person(
        s, clock=c, actor=actor, key="cb-moi", name="Lê Văn Hùng", role=Role.MEMBER, unit_id=t.unit_id,
    ),
    "issue_invite": lambda s, c, actor, t: issue_invite(s, clock=c, actor=actor, person_id=t.unit_head_id),
}


# ---- what "nothing changed" means ---------------------------------------------------------------------


def database_state(engine: Engine) -> dict[str, Any]:
    """Every task row and the number of rows of every table a use case writes, read in a session of its own."""
    with Session(engine) as fresh:
        tasks = {t.id: t.model_dump() for t in fresh.exec(select(Task))}
        counts = {
            model.__name__: fresh.exec(select(func.count()).select_from(model)).one()
            for model in (AuditEvent, Update, ExtensionRequest, Person, InviteCode, ChatIdentity, Unit)
        }
        requests = {r.id: r.model_dump() for r in fresh.exec(select(ExtensionRequest))}
    return {"tasks": tasks, "counts": counts, "requests": requests}


def assert_vietnamese_message(error: TrackerError, *words: str) -> None:
    message = str(error)
    assert message == error.message
    assert message == unicodedata.normalize("NFC", message)
    assert all(word in message for word in words), message


# ---- the matrix ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("action", "role", "where", "expected"), MATRIX)
def test_each_role_may_do_exactly_what_the_access_rules_allow(session, engine, clock, action, role, where, expected):
    org_id = ward_with_actors(session, clock)
    target = target_for(session, clock, org_id, where, action)
    actor = person(session, org_id, ACTORS[role])
    session.commit()
    before = database_state(engine)

    if expected == OK:
        result = ATTEMPTS[action](session, clock, actor, target)
        session.commit()
        assert result is not None
        after = database_state(engine)
        if action == "view":
            assert after == before
        else:
            # An allowed change is stored and leaves a trace in the audit trail.
            assert after != before
            assert after["counts"]["AuditEvent"] > before["counts"]["AuditEvent"]
        return

    error_type = ForbiddenError if expected == FORBIDDEN else NotFoundError
    with pytest.raises(error_type) as caught:
        ATTEMPTS[action](session, clock, actor, target)
    assert_vietnamese_message(caught.value, "quyền" if expected == FORBIDDEN else "Không tìm thấy")
    # Committing on purpose: a refusal must leave nothing behind, even for a caller (a chat dialog that
    # answers the error and carries on) that does not roll back.
    session.commit()
    assert database_state(engine) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_a_deactivated_person_may_do_nothing_even_in_its_own_unit(session, engine, clock, action, role):
    # People removed from the ward file are deactivated, not deleted; their chats stay bound until
    # someone unbinds them, so every use case must refuse them on its own.
    org_id = ward_with_actors(session, clock)
    target = make_target(session, clock, org_id, OWN_UNIT, action)
    actor = person(session, org_id, ACTORS[role])
    actor.active = False
    session.add(actor)
    session.commit()
    before = database_state(engine)

    with pytest.raises(ForbiddenError) as caught:
        ATTEMPTS[action](session, clock, actor, target)
    assert_vietnamese_message(caught.value, "quyền")
    session.commit()
    assert database_state(engine) == before


@pytest.mark.parametrize("role", ROLES)
def test_a_deactivated_person_cannot_list_anything(session, clock, role):
    org_id = ward_with_actors(session, clock)
    make_task(session, clock, org_id, OWN_UNIT, due=DUE)
    actor = person(session, org_id, ACTORS[role])
    actor.active = False
    session.add(actor)
    session.commit()

    with pytest.raises(ForbiddenError):
        list_tasks(session, actor=actor)
    with pytest.raises(ForbiddenError):
        ward_stats(session, actor=actor, day=DUE)
    with pytest.raises(ForbiddenError):
        list_people(session, actor=actor)
    with pytest.raises(ForbiddenError):
        list_extension_requests(session, actor=actor)


# ---- lists seen by a unit ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["unit_head", "member"])
def test_a_unit_head_or_member_lists_only_the_tasks_of_its_own_unit(session, clock, role):
    org_id = ward_with_actors(session, clock)
    own = [make_task(session, clock, org_id, OWN_UNIT, due=DUE, title=f"Nhiệm vụ {i} của phòng") for i in (1, 2)]
    make_task(session, clock, org_id, OTHER_UNIT, due=DUE, title="Nhiệm vụ của phòng khác")
    make_task(session, clock, org_id, "vp", title="Nhiệm vụ của Văn phòng")
    actor = person(session, org_id, ACTORS[role])

    assert [t.id for t in list_tasks(session, actor=actor)] == [t.id for t in own]
    own_unit_id = unit(session, org_id, OWN_UNIT).id
    assert [t.id for t in list_tasks(session, actor=actor, unit_id=own_unit_id)] == [t.id for t in own]
    assert {u.unit.id for u in ward_stats(session, actor=actor, day=DUE).units} == {own_unit_id}


@pytest.mark.parametrize("role", ["unit_head", "member"])
def test_a_unit_head_or_member_asking_for_another_units_tasks_is_refused(session, clock, role):
    org_id = ward_with_actors(session, clock)
    make_task(session, clock, org_id, OTHER_UNIT, due=DUE)
    actor = person(session, org_id, ACTORS[role])

    with pytest.raises(ForbiddenError) as caught:
        list_tasks(session, actor=actor, unit_id=unit(session, org_id, OTHER_UNIT).id)
    assert_vietnamese_message(caught.value, "nhiệm vụ")


@pytest.mark.parametrize("role", ["admin", "leader", "office"])
def test_the_ward_wide_roles_list_every_units_tasks(session, clock, role):
    org_id = ward_with_actors(session, clock)
    tasks = [make_task(session, clock, org_id, key, due=DUE) for key in (OWN_UNIT, OTHER_UNIT, "vp")]
    actor = person(session, org_id, ACTORS[role])

    assert [t.id for t in list_tasks(session, actor=actor)] == [t.id for t in tasks]
    other_unit_id = unit(session, org_id, OTHER_UNIT).id
    assert [t.id for t in list_tasks(session, actor=actor, unit_id=other_unit_id)] == [tasks[1].id]


def test_a_unit_head_sees_only_its_own_units_extension_requests(session, clock):
    org_id = ward_with_actors(session, clock)
    office = person(session, org_id, "van-thu")
    requests = {}
    for key in (OWN_UNIT, OTHER_UNIT):
        task = make_task(session, clock, org_id, key, due=DUE)
        requests[key] = request_extension(
            session, clock=clock, actor=office, task_id=task.id, requested_due_on=LATER, reason="Chờ kinh phí"
        ).id
    session.commit()

    seen = list_extension_requests(session, actor=person(session, org_id, "tp-vhxh"))
    assert [r.id for r in seen] == [requests[OWN_UNIT]]
    seen_by_leader = list_extension_requests(session, actor=person(session, org_id, "chu-tich"))
    assert [r.id for r in seen_by_leader] == [requests[OWN_UNIT], requests[OTHER_UNIT]]


def test_a_unit_heads_report_of_completion_moves_its_own_task_to_reported_done(session, clock):
    # The happy path of the matrix's unit-head row, checked for its effect and not only for "no error".
    org_id = ward_with_actors(session, clock)
    task = make_task(session, clock, org_id, OWN_UNIT, due=DUE)

    done = report_done(session, clock=clock, actor=person(session, org_id, "tp-vhxh"), task_id=task.id)
    session.commit()

    assert done.status == TaskStatus.REPORTED_DONE
    assert done.finished_on == date(2026, 5, 18)
