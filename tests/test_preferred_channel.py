"""set_preferred_channel: who may choose a person's channel, what it accepts, and its audit trail."""

from __future__ import annotations

import pytest
from builders import make_ward, person
from sqlmodel import select

from tracker.errors import ForbiddenError, InvalidInputError, NotFoundError
from tracker.models import AuditEvent
from tracker.usecases.people import set_preferred_channel


def _events(session) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return list(session.exec(select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.action == "update")))


def test_a_unit_head_chooses_their_own_channel_and_the_change_is_audited(session, clock, org_id):
    head = person(session, org_id, "tp-vhxh")
    chosen = set_preferred_channel(session, clock=clock, actor=head, person_id=head.id or 0, channel=" Zalo ",
                                   via="zalo")
    assert chosen.preferred_channel == "zalo"
    [event] = _events(session)
    assert event.before is not None and event.after is not None
    assert (event.actor_id, event.entity_id, event.channel) == (head.id, head.id, "zalo")
    assert (event.before["preferred_channel"], event.after["preferred_channel"]) == (None, "zalo")

    set_preferred_channel(session, clock=clock, actor=head, person_id=head.id or 0, channel="zalo")
    assert len(_events(session)) == 1  # nothing changed, nothing recorded
    assert set_preferred_channel(session, clock=clock, actor=head, person_id=head.id or 0,
                                 channel=None).preferred_channel is None


def test_the_administrator_chooses_anyones_channel_but_the_office_and_other_heads_may_not(session, clock, org_id):
    head = person(session, org_id, "tp-vhxh")
    admin = person(session, org_id, "quan-tri")
    assert set_preferred_channel(session, clock=clock, actor=admin, person_id=head.id or 0,
                                 channel="telegram").preferred_channel == "telegram"
    for key in ("van-thu", "tp-kthtdt"):
        with pytest.raises(ForbiddenError):
            set_preferred_channel(session, clock=clock, actor=person(session, org_id, key), person_id=head.id or 0,
                                  channel="zalo")


def test_an_unknown_channel_is_refused_in_vietnamese(session, clock, org_id):
    head = person(session, org_id, "tp-vhxh")
    with pytest.raises(InvalidInputError, match="^Kênh «log» không được hỗ trợ; chọn Telegram hoặc Zalo.$"):
        set_preferred_channel(session, clock=clock, actor=head, person_id=head.id or 0, channel="log")


def test_a_person_of_another_ward_looks_missing(session, clock, org_id):
    other = person(session, make_ward(session, clock, "phuong-khac"), "tp-vhxh")
    with pytest.raises(NotFoundError):
        set_preferred_channel(session, clock=clock, actor=person(session, org_id, "quan-tri"),
                              person_id=other.id or 0, channel="zalo")
