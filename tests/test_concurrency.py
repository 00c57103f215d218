"""Two people acting on the same row at once: the second one is told, nobody's change is silently lost.

Each person gets a session of their own on the same engine. A session first shows the row to its person,
then ends that read transaction, as a chat does between sending the task and receiving the tap on a
button: on SQLite every transaction takes the write lock up front (BEGIN IMMEDIATE), so holding it
would only make the other session wait. The row stays loaded, as stale as the screen the person is
looking at, and the optimistic version check (or a conditional UPDATE) is what must catch the race."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from tests.builders import make_task, make_ward, person
from tracker.clock import Clock
from tracker.errors import ConflictError, InvalidInputError, TrackerError
from tracker.models import (
    AuditEvent,
    ChatIdentity,
    ExtensionRequest,
    ExtensionStatus,
    InviteCode,
    Task,
    TaskStatus,
)
from tracker.usecases import (
    TaskChanges,
    bind_chat,
    cancel_task,
    confirm_done,
    decide_extension,
    get_task,
    issue_invite,
    list_extension_requests,
    person_for_chat,
    reopen_task,
    report_done,
    request_extension,
    update_task,
)

DUE = date(2026, 5, 29)
LATER = date(2026, 6, 30)
FIRST_TITLE = "Rà soát, cập nhật danh sách hộ nghèo, hộ cận nghèo cuối năm 2026"
SECOND_TITLE = "Rà soát đối tượng bảo trợ xã hội quý II năm 2026"


@pytest.fixture
def open_session(engine: Engine) -> Iterator[Callable[[], Session]]:
    """Opens independent sessions on the test's database and closes them all at the end."""
    opened: list[Session] = []

    def factory() -> Session:
        opened.append(Session(engine, expire_on_commit=False))
        return opened[-1]

    yield factory
    for session in opened:
        session.close()


def ward_with_task(engine: Engine, clock: Clock) -> tuple[int, int]:
    """The example ward and one open task of its VHXH unit, committed; returns (ward id, task id)."""
    with Session(engine, expire_on_commit=False) as setup:
        org_id = make_ward(setup, clock)
        task = make_task(setup, clock, org_id, "vhxh", due=DUE)
        return org_id, task.id or 0


def shown_to(session: Session, org_id: int, actor_key: str, task_id: int) -> Task:
    """Show the task to the person in their session, then end the read transaction (see the module doc).
    The caller keeps the returned row: the session's identity map holds rows weakly, and a row nobody
    holds would simply be read again, fresh, by the next use case."""
    task = get_task(session, actor=person(session, org_id, actor_key), task_id=task_id)
    session.commit()
    return task


def stored_task(engine: Engine, task_id: int) -> Task:
    with Session(engine) as third:
        task = third.get(Task, task_id)
        assert task is not None
        third.expunge(task)
        return task


def task_audit(engine: Engine, task_id: int) -> list[str]:
    with Session(engine) as third:
        query = select(AuditEvent.action).where(AuditEvent.entity == "task", AuditEvent.entity_id == task_id)
        return list(third.exec(query.order_by(AuditEvent.id)))


def assert_conflict_message(error: TrackerError) -> None:
    message = str(error)
    assert message == unicodedata.normalize("NFC", message)
    assert "nhiệm vụ" in message.lower()
    assert "thay đổi" in message or "Không thể" in message, message


# ---- the same task changed from two sessions ---------------------------------------------------------


def test_a_second_edit_based_on_a_stale_task_is_refused_and_the_first_edit_is_kept(engine, clock, open_session):
    org_id, task_id = ward_with_task(engine, clock)
    office, leader = open_session(), open_session()
    seen_by_office = shown_to(office, org_id, "van-thu", task_id)
    seen_by_leader = shown_to(leader, org_id, "chu-tich", task_id)
    assert seen_by_office.version == seen_by_leader.version == 1

    update_task(office, clock=clock, actor=person(office, org_id, "van-thu"), task_id=task_id,
                changes=TaskChanges(title=FIRST_TITLE))
    office.commit()
    with pytest.raises(ConflictError) as caught:
        update_task(leader, clock=clock, actor=person(leader, org_id, "chu-tich"), task_id=task_id,
                    changes=TaskChanges(title=SECOND_TITLE, due_on=LATER))
    leader.rollback()

    assert_conflict_message(caught.value)
    stored = stored_task(engine, task_id)
    assert (stored.title, stored.due_on, stored.version) == (FIRST_TITLE, DUE, 2)
    assert task_audit(engine, task_id) == ["create", "update"]


def test_after_a_conflict_the_second_person_can_look_again_and_apply_the_change(engine, clock, open_session):
    # The conflict must not leave the second session unusable: looking again shows the first change.
    org_id, task_id = ward_with_task(engine, clock)
    office, leader = open_session(), open_session()
    seen_by_office = shown_to(office, org_id, "van-thu", task_id)
    seen_by_leader = shown_to(leader, org_id, "chu-tich", task_id)
    assert seen_by_office.version == seen_by_leader.version == 1
    update_task(office, clock=clock, actor=person(office, org_id, "van-thu"), task_id=task_id,
                changes=TaskChanges(title=FIRST_TITLE))
    office.commit()
    with pytest.raises(ConflictError):
        update_task(leader, clock=clock, actor=person(leader, org_id, "chu-tich"), task_id=task_id,
                    changes=TaskChanges(due_on=LATER))

    leader_actor = person(leader, org_id, "chu-tich")
    seen = get_task(leader, actor=leader_actor, task_id=task_id)
    assert (seen.title, seen.version) == (FIRST_TITLE, 2)
    update_task(leader, clock=clock, actor=leader_actor, task_id=task_id, changes=TaskChanges(due_on=LATER),
                expected_version=seen.version)
    leader.commit()

    stored = stored_task(engine, task_id)
    assert (stored.title, stored.due_on, stored.version) == (FIRST_TITLE, LATER, 3)


@pytest.mark.parametrize("first", ["confirm", "cancel"])
def test_confirming_and_cancelling_the_same_task_at_once_lets_only_the_first_through(
    engine, clock, open_session, first
):
    # A confirmed task that is then cancelled from a stale screen would vanish from the report
    # although the unit did the work; the other order would count a cancelled task as done.
    org_id, task_id = ward_with_task(engine, clock)
    office, leader = open_session(), open_session()
    seen_by_office = shown_to(office, org_id, "van-thu", task_id)
    seen_by_leader = shown_to(leader, org_id, "chu-tich", task_id)
    assert seen_by_office.version == seen_by_leader.version == 1

    def confirm() -> None:
        confirm_done(office, clock=clock, actor=person(office, org_id, "van-thu"), task_id=task_id)

    def cancel() -> None:
        cancel_task(leader, clock=clock, actor=person(leader, org_id, "chu-tich"), task_id=task_id,
                    reason="Nhiệm vụ không còn phù hợp")

    winner, loser = (confirm, cancel) if first == "confirm" else (cancel, confirm)
    winner_session, loser_session = (office, leader) if first == "confirm" else (leader, office)
    winner()
    winner_session.commit()
    with pytest.raises(ConflictError) as caught:
        loser()
    loser_session.rollback()

    assert_conflict_message(caught.value)
    expected_status = TaskStatus.DONE if first == "confirm" else TaskStatus.CANCELLED
    stored = stored_task(engine, task_id)
    assert (stored.status, stored.version) == (expected_status, 2)
    assert task_audit(engine, task_id) == ["create", "confirm_done" if first == "confirm" else "cancel"]


def test_a_unit_reporting_done_while_the_office_cancels_is_told_of_the_conflict(engine, clock, open_session):
    # The unit head taps "xong" on an old reminder while the office cancels the task. The person must get
    # the Vietnamese ConflictError, never a raw database error, whatever the session already holds.
    org_id, task_id = ward_with_task(engine, clock)
    head, office = open_session(), open_session()
    seen_by_head = shown_to(head, org_id, "tp-vhxh", task_id)
    seen_by_office = shown_to(office, org_id, "van-thu", task_id)
    assert seen_by_head.version == seen_by_office.version == 1

    cancel_task(office, clock=clock, actor=person(office, org_id, "van-thu"), task_id=task_id, reason="Trùng nhiệm vụ")
    office.commit()
    with pytest.raises(ConflictError) as caught:
        report_done(head, clock=clock, actor=person(head, org_id, "tp-vhxh"), task_id=task_id)
    head.rollback()

    assert_conflict_message(caught.value)
    stored = stored_task(engine, task_id)
    assert (stored.status, stored.finished_on) == (TaskStatus.CANCELLED, None)


# ---- expected_version: the version the person saw, passed back by the CLI or the bot -----------------


def test_an_edit_made_against_an_old_version_is_refused_and_changes_nothing(session, engine, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, "vhxh", due=DUE)
    office = person(session, org_id, "van-thu")
    update_task(session, clock=clock, actor=office, task_id=task.id, changes=TaskChanges(title=FIRST_TITLE))
    session.commit()
    before = stored_task(engine, task.id)

    with pytest.raises(ConflictError) as caught:
        update_task(session, clock=clock, actor=office, task_id=task.id, changes=TaskChanges(title=SECOND_TITLE),
                    expected_version=1)
    assert_conflict_message(caught.value)
    assert "phiên bản" in str(caught.value)
    session.commit()

    after = stored_task(engine, task.id)
    assert after.model_dump() == before.model_dump()
    assert after.version == 2
    assert task_audit(engine, task.id) == ["create", "update"]


def test_an_edit_made_against_the_current_version_goes_through(session, engine, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, "vhxh", due=DUE)

    update_task(session, clock=clock, actor=person(session, org_id, "van-thu"), task_id=task.id,
                changes=TaskChanges(title=FIRST_TITLE), expected_version=1)
    session.commit()

    assert (stored_task(engine, task.id).title, stored_task(engine, task.id).version) == (FIRST_TITLE, 2)


@pytest.mark.parametrize("action", ["report_done", "confirm_done", "reopen_task", "cancel_task"])
def test_a_status_change_made_against_an_old_version_is_refused_and_changes_nothing(session, engine, clock, action):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, "vhxh", due=DUE)
    office = person(session, org_id, "van-thu")
    if action == "reopen_task":
        confirm_done(session, clock=clock, actor=office, task_id=task.id)
    else:
        update_task(session, clock=clock, actor=office, task_id=task.id, changes=TaskChanges(title=FIRST_TITLE))
    session.commit()
    before = stored_task(engine, task.id)
    audit_before = task_audit(engine, task.id)

    attempts = {
        "report_done": lambda: report_done(session, clock=clock, actor=office, task_id=task.id, expected_version=1),
        "confirm_done": lambda: confirm_done(session, clock=clock, actor=office, task_id=task.id, expected_version=1),
        "reopen_task": lambda: reopen_task(session, clock=clock, actor=office, task_id=task.id, reason="Làm lại",
                                           expected_version=1),
        "cancel_task": lambda: cancel_task(session, clock=clock, actor=office, task_id=task.id, reason="Bỏ",
                                           expected_version=1),
    }
    with pytest.raises(ConflictError) as caught:
        attempts[action]()
    assert_conflict_message(caught.value)
    session.commit()

    assert stored_task(engine, task.id).model_dump() == before.model_dump()
    assert task_audit(engine, task.id) == audit_before


# ---- extension requests decided twice ----------------------------------------------------------------


def test_two_leaders_deciding_the_same_extension_request_at_once_cannot_both_decide(engine, clock, open_session):
    # Without a check the second decision overwrites the first: the request would read "không đồng ý"
    # while the task's due date had already been moved by the approval.
    org_id, task_id = ward_with_task(engine, clock)
    with Session(engine, expire_on_commit=False) as setup:
        request = request_extension(setup, clock=clock, actor=person(setup, org_id, "tp-vhxh"), task_id=task_id,
                                    requested_due_on=LATER, reason="Chờ kinh phí")
        setup.commit()
    chairman, vice_chair = open_session(), open_session()
    # Both leaders open their list of pending requests (and keep it on screen) before either decides.
    seen = []
    for leader_session, key in ((chairman, "chu-tich"), (vice_chair, "pct-vx")):
        seen.append(list_extension_requests(leader_session, actor=person(leader_session, org_id, key)))
        leader_session.commit()
    assert [[r.id for r in pending] for pending in seen] == [[request.id], [request.id]]

    decide_extension(chairman, clock=clock, actor=person(chairman, org_id, "chu-tich"), request_id=request.id,
                     approve=True, note="Đồng ý gia hạn")
    chairman.commit()
    with pytest.raises(ConflictError) as caught:
        decide_extension(vice_chair, clock=clock, actor=person(vice_chair, org_id, "pct-vx"), request_id=request.id,
                         approve=False, note="Không đồng ý")
    vice_chair.rollback()

    assert "gia hạn" in str(caught.value)
    with Session(engine) as third:
        stored = third.get(ExtensionRequest, request.id)
        assert stored is not None
        assert (stored.status, stored.decision_note) == (ExtensionStatus.APPROVED, "Đồng ý gia hạn")
    assert stored_task(engine, task_id).due_on == LATER


# ---- the invite code is single-use -------------------------------------------------------------------


def test_an_invite_code_sent_from_two_phones_at_once_binds_only_one_chat(engine, clock, open_session):
    # Regression guard for the conditional UPDATE in bind_chat: checking used_at in Python is not
    # enough when the second phone read the code as unused before the first one used it up.
    with Session(engine, expire_on_commit=False) as setup:
        org_id = make_ward(setup, clock)
        head = person(setup, org_id, "tp-vhxh")
        invite = issue_invite(setup, clock=clock, actor=person(setup, org_id, "quan-tri"), person_id=head.id)
        setup.commit()
    first_phone, second_phone = open_session(), open_session()
    seen = second_phone.exec(select(InviteCode).where(InviteCode.person_id == head.id)).one()
    second_phone.commit()
    assert seen.used_at is None

    bind_chat(first_phone, clock=clock, channel="telegram", external_id="900001", code=invite.code)
    first_phone.commit()
    assert seen.used_at is None  # the second phone's view is stale, as it would be mid-race
    with pytest.raises(InvalidInputError) as caught:
        bind_chat(second_phone, clock=clock, channel="telegram", external_id="900002", code=invite.code)
    second_phone.rollback()

    assert "không dùng được" in str(caught.value)
    with Session(engine) as third:
        bound = person_for_chat(third, channel="telegram", external_id="900001")
        assert bound is not None and bound.id == head.id
        assert person_for_chat(third, channel="telegram", external_id="900002") is None
        assert third.exec(select(func.count()).select_from(ChatIdentity)).one() == 1
        stored_invite = third.exec(select(InviteCode).where(InviteCode.person_id == head.id)).one()
        identity = third.exec(select(ChatIdentity)).one()
        assert stored_invite.used_by_identity_id == identity.id
        assert identity.external_id == "900001"
