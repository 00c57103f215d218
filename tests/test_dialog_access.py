"""Every chat command, sent by every role: a role the command is not for is turned away in words, and a
role it is for is answered, never refused. The list of commands is the dialog's own registry, so a command
added later is walked too."""

from __future__ import annotations

import re
from datetime import date

import pytest
from builders import make_task, person, unit
from dialog_helpers import bind

from bots.dialog import texts
from bots.dialog.handlers import default_registry
from bots.dialog.ward_views import WARD_ONLY
from tracker.models import Role
from tracker.usecases import add_person

PEOPLE = {Role.ADMIN: "quan-tri", Role.LEADER: "pct-vx", Role.OFFICE: "van-thu", Role.UNIT_HEAD: "tp-vhxh",
          Role.MEMBER: "cb-vhxh"}
# Commands everybody may send: their answers depend on the person, never a refusal.
OPEN_TO_ALL = {"start", "trogiup", "thoat", "kenh", "quahan"}
REFUSED = (texts.UNIT_LISTS_ONLY, WARD_ONLY, "không có quyền")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")


def commands() -> list[tuple[str, frozenset[Role]]]:
    registry = default_registry()
    return sorted((name, command.roles) for name, command in registry.commands.items() if name not in OPEN_TO_ALL)


@pytest.mark.parametrize("role", list(PEOPLE), ids=[r.value for r in PEOPLE])
def test_every_command_turns_away_the_roles_it_is_not_for_and_answers_the_others(session, clock, org_id, dialog,
                                                                                    role):
    # Why: a command's roles only list it in /trogiup; each command checks the person itself, and this walk
    # keeps every one of them, and every command added later, honest.
    add_person(session, clock=clock, actor=person(session, org_id, "quan-tri"), key="cb-vhxh",
               name="Cán bộ Văn hóa", role=Role.MEMBER, title="Chuyên viên", unit_id=unit(session, org_id, "vhxh").id)
    make_task(session, clock, org_id, "vhxh", due=date(2026, 5, 20))
    session.commit()
    chat = bind(session, clock, dialog, org_id, PEOPLE[role])

    for name, roles in commands():
        answer = chat.send(f"/{name}")
        chat.send("/thoat")
        refused = any(words in answer for words in REFUSED)
        assert refused == (role not in roles), (name, role, answer)
        assert not ISO_DATE.search(answer), (name, answer)  # people read dates as 30/06/2026
