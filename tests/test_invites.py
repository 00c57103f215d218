"""Binding a chat to a person with a single-use, expiring invite code."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.builders import make_ward, person
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.models import AuditEvent, InviteCode
from tracker.usecases import bind_chat, issue_invite, person_for_chat


def _invite(session, clock, org_id, key="tp-vhxh", hours=None):
    invite = issue_invite(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                          person_id=person(session, org_id, key).id, hours=hours)
    session.commit()
    return invite


def test_a_code_binds_the_chat_to_its_person(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id)
    assert len(invite.code) == 8
    identity = bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=invite.code.lower())
    session.commit()
    assert identity.person_id == person(session, org_id, "tp-vhxh").id
    assert person_for_chat(session, channel="telegram", external_id="5551001").key == "tp-vhxh"
    assert session.exec(select(AuditEvent).where(AuditEvent.entity == "binding")).one().action == "bind"


def test_only_a_hash_of_the_code_is_stored(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id)
    stored = session.exec(select(InviteCode)).one()
    assert invite.code not in stored.code_hash


def test_a_code_works_only_once(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id)
    bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=invite.code)
    session.commit()
    with pytest.raises(InvalidInputError, match="đã được dùng"):
        bind_chat(session, clock=clock, channel="zalo", external_id="z-77", code=invite.code)


def test_an_expired_code_is_refused(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id, hours=2)
    clock.advance(timedelta(hours=2, seconds=1))
    with pytest.raises(InvalidInputError, match="hết hạn"):
        bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=invite.code)


def test_an_unknown_code_and_an_unknown_channel_are_refused(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id)
    with pytest.raises(InvalidInputError, match="không đúng"):
        bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code="ABCDEFGH")
    with pytest.raises(InvalidInputError, match="không được hỗ trợ"):
        bind_chat(session, clock=clock, channel="fax", external_id="1", code=invite.code)


def test_a_chat_bound_again_with_another_persons_code_moves_to_that_person(session, clock):
    # A phone handed over to a new unit head: the office issues a code, the old binding must not linger.
    org_id = make_ward(session, clock)
    first = _invite(session, clock, org_id)
    bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=first.code)
    second = _invite(session, clock, org_id, key="tp-kthtdt")
    bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=second.code)
    session.commit()
    assert person_for_chat(session, channel="telegram", external_id="5551001").key == "tp-kthtdt"


def test_a_chat_nobody_bound_belongs_to_nobody(session, clock):
    make_ward(session, clock)
    assert person_for_chat(session, channel="telegram", external_id="999") is None


def test_only_the_administrator_issues_codes(session, clock):
    org_id = make_ward(session, clock)
    with pytest.raises(ForbiddenError):
        issue_invite(session, clock=clock, actor=person(session, org_id, "van-thu"),
                     person_id=person(session, org_id, "tp-vhxh").id)
