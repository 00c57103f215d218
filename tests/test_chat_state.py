"""purge_chat_state: expired buttons and old handled events go; what may still be used stays."""

from datetime import timedelta

from builders import make_task, make_ward
from dialog_helpers import bind, rows

from bots.dialog import Dialog
from tracker.models import ChatButton, ChatEvent
from tracker.usecases.conversations import BUTTON_LIFETIME, EVENT_MEMORY, purge_chat_state


def test_expired_buttons_and_events_older_than_a_week_are_deleted(session, clock, engine):
    org_id = make_ward(session, clock)
    make_task(session, clock, org_id)
    dialog = Dialog(engine, clock)
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    head.send("/viec")
    old_button = head.button("1").data
    clock.advance(max(BUTTON_LIFETIME, EVENT_MEMORY) + timedelta(minutes=1))
    head.send("/viec")
    fresh_button = head.button("1").data
    assert purge_chat_state(session, clock=clock) == 3  # the first list's button; the binding and that list
    session.commit()
    assert [b.token for b in rows(engine, ChatButton)] == [fresh_button]
    assert len(rows(engine, ChatEvent)) == 1
    assert "không còn dùng được" in head.send(button=old_button)
    assert "Tình trạng" in head.send(button=fresh_button)
