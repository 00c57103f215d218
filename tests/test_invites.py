"""Binding a chat to a person with a single-use, expiring invite code."""

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.builders import example_config, make_ward, person
from tracker.errors import ForbiddenError, InvalidInputError
from tracker.models import AuditEvent, InviteCode
from tracker.usecases import apply_ward_config, bind_chat, issue_invite, person_for_chat
from tracker.usecases.people import CODE_REFUSED
from tracker.usecases.revocation import revoke_invites, unbind_chats


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
    with pytest.raises(InvalidInputError) as caught:
        bind_chat(session, clock=clock, channel="zalo", external_id="z-77", code=invite.code)
    assert caught.value.message == CODE_REFUSED


def test_an_expired_code_is_refused(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id, hours=2)
    clock.advance(timedelta(hours=2, seconds=1))
    with pytest.raises(InvalidInputError) as caught:
        bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=invite.code)
    assert caught.value.message == CODE_REFUSED


def test_an_unknown_code_and_an_unknown_channel_are_refused(session, clock):
    org_id = make_ward(session, clock)
    invite = _invite(session, clock, org_id)
    with pytest.raises(InvalidInputError) as caught:
        bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code="ABCDEFGH")
    assert caught.value.message == CODE_REFUSED  # the same words as a used or expired code: nothing to learn
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


def test_a_new_code_cancels_the_persons_earlier_unused_ones(session, clock):
    # Why: two codes for one person both bound, so a code sent to the wrong phone stayed good.
    org_id = make_ward(session, clock)
    first = _invite(session, clock, org_id)
    second = _invite(session, clock, org_id)

    with pytest.raises(InvalidInputError):
        bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=first.code)
    session.rollback()
    assert bind_chat(session, clock=clock, channel="telegram", external_id="5551002", code=second.code).active
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity == "invite")).all()
    assert actions.count("revoke") == 1


def test_the_administrator_revokes_codes_and_unbinds_chats_and_nobody_else_may(session, clock):
    org_id = make_ward(session, clock)
    admin, head = person(session, org_id, "quan-tri"), person(session, org_id, "tp-vhxh")
    for channel, chat in (("telegram", "5551001"), ("zalo", "z-1")):
        bind_chat(session, clock=clock, channel=channel, external_id=chat, code=_invite(session, clock, org_id).code)
    pending = _invite(session, clock, org_id)
    for use_case in (revoke_invites, unbind_chats):
        with pytest.raises(ForbiddenError):
            use_case(session, clock=clock, actor=head, person_id=head.id)

    assert revoke_invites(session, clock=clock, actor=admin, person_id=head.id) == 1
    assert unbind_chats(session, clock=clock, actor=admin, person_id=head.id, chat_channel="zalo") == 1
    assert person_for_chat(session, channel="zalo", external_id="z-1") is None
    assert person_for_chat(session, channel="telegram", external_id="5551001").key == "tp-vhxh"
    assert unbind_chats(session, clock=clock, actor=admin, person_id=head.id) == 1
    assert person_for_chat(session, channel="telegram", external_id="5551001") is None
    session.commit()
    with pytest.raises(InvalidInputError):
        bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=pending.code)
    session.rollback()
    unbinds = session.exec(select(AuditEvent).where(AuditEvent.action == "unbind")).all()
    assert [e.actor_id for e in unbinds] == [admin.id, admin.id]


def test_a_person_removed_from_the_ward_loses_chats_and_codes(session, clock):
    org_id = make_ward(session, clock)
    code = _invite(session, clock, org_id).code
    bind_chat(session, clock=clock, channel="telegram", external_id="5551001", code=code)
    pending = _invite(session, clock, org_id)
    config = example_config()
    apply_ward_config(session, clock=clock, config=config.model_copy(
        update={"people": [p for p in config.people if p.key != "tp-vhxh"]}))
    session.commit()

    assert person_for_chat(session, channel="telegram", external_id="5551001") is None
    with pytest.raises(InvalidInputError):
        bind_chat(session, clock=clock, channel="zalo", external_id="z-9", code=pending.code)
