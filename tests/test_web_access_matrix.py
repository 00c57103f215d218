"""Who may open which page of the web console, over HTTP, for every role: the matrix of tracker/access.py
seen through every GET address. A unit head and a unit member reach their unit's tasks and nothing of the
ward's administration; the office, the leaders and the administrator reach everything; a visitor who is not
signed in is sent to the sign-in page from every address, and a task of another unit is refused."""

from __future__ import annotations

from datetime import date

import pytest
from builders import make_task, unit
from outbox_helpers import bind_person, ward_with_chats
from web_helpers import client, running_console, signed_in_client, someone

from tracker.enums import Role
from tracker.usecases import add_person

MONTH = "05/2026"
# Address → whether a unit head or member may open it; the ward-wide roles open them all.
PAGES = {
    "/": True, "/nhiem-vu": True, "/nhiem-vu.xlsx": True, "/nhiem-vu/{own}": True, "/nhiem-vu/{other}": False,
    "/van-ban": False, "/nguoi-dung": False, "/nguoi-dung/{person}": False, f"/bao-cao?thang={MONTH}": False,
    f"/bao-cao/phu-luc-1.docx?thang={MONTH}": False, f"/bao-cao/phu-luc-5.xlsx?thang={MONTH}": False,
    "/hop-thu-di": False, "/nhat-ky": False, "/tai-khoan": True,
}
ROLES = {"quan-tri": Role.ADMIN, "van-thu": Role.OFFICE, "chu-tich": Role.LEADER, "tp-vhxh": Role.UNIT_HEAD,
         "cb-vhxh": Role.MEMBER}


@pytest.fixture
def ward(session, clock) -> dict[str, int]:
    org = ward_with_chats(session, clock, ("quan-tri", "van-thu", "chu-tich", "tp-vhxh"))
    admin = someone(session, org, "quan-tri")
    member = add_person(session, clock=clock, actor=admin, key="cb-vhxh", name="Cán bộ Văn hóa",
                        role=Role.MEMBER, unit_id=unit(session, org, "vhxh").id)
    session.commit()
    bind_person(session, clock, org, "cb-vhxh", "telegram", "chat-cb-vhxh")
    own = make_task(session, clock, org, "vhxh", due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    other = make_task(session, clock, org, "kthtdt", due=date(2026, 5, 29), assigned_on=date(2026, 5, 4))
    return {"org": org, "own": own.id, "other": other.id, "person": member.id}


def addresses(ward: dict[str, int]) -> dict[str, bool]:
    return {path.format(**ward): unit_may for path, unit_may in PAGES.items()}


@pytest.mark.parametrize("key", list(ROLES))
def test_each_role_opens_exactly_the_pages_its_rights_allow(engine, session, clock, ward, key):
    person = someone(session, ward["org"], key)
    ward_wide = ROLES[key] in (Role.ADMIN, Role.OFFICE, Role.LEADER)
    with running_console(engine, clock) as address, signed_in_client(address, session, person.id, key) as browser:
        seen = {path: browser.get(path).status_code for path in addresses(ward)}
    wanted = {path: 200 if ward_wide or unit_may else 403 for path, unit_may in addresses(ward).items()}
    assert seen == wanted


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_from_every_page(engine, session, clock, ward):
    with running_console(engine, clock) as address, client(address) as browser:
        for path in addresses(ward):
            answer = browser.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/dang-nhap"), path
