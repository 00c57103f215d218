"""The console's Người dùng pages: the ward's people with their role, unit, chats and open invite codes; for the
administrator, on each person's page, a new invite code (shown once, with its t.me link and a QR code), the
open codes cancelled, a chat unbound after a confirmation, and the channel messages go to first.

The office and the leaders see the same pages without the forms; a form posted by them anyway is refused by
the use case (403). A unit head or a member is refused the pages themselves (403)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.views import page
from app.web.visit import Visit, as_signed_in
from tracker.channels import channel_label, chat_channels
from tracker.dates import format_day
from tracker.errors import InvalidInputError
from tracker.usecases import issue_invite
from tracker.usecases.people import Invite, set_preferred_channel
from tracker.usecases.people_directory import directory_entry, may_manage_people, ward_directory
from tracker.usecases.revocation import revoke_invites, unbind_chats

CHANNEL = "web"
# What the person page says after each action ("?xong=..." after the redirect).
DONE_WORDS = {
    "huy-ma": "Đã hủy các mã mời chưa dùng.", "bo-gan": "Đã bỏ gắn chat; từ nay không gửi tin đến chat đó.",
    "kenh": "Đã lưu kênh ưu tiên.", "khong-co-ma": "Không có mã mời nào đang chờ dùng.",
}


def _common(visit: Visit) -> dict[str, object]:
    return {"person": visit.actor, "org": visit.org, "csrf": visit.csrf, "active": "people"}


def moment(value: datetime | None, timezone: str) -> str:
    """A moment as people read it on the ward's clock: "21/05/2026 08:00" (empty for None)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{format_day(local.date())} {local:%H:%M}"


async def people_list(request: Request) -> Response:
    """GET /nguoi-dung: everyone of the ward with role, unit, chats per channel and open invite codes."""

    def work(visit: Visit) -> Response:
        entries = ward_directory(visit.session, clock=visit.clock, actor=visit.actor)
        html = page("people.html.j2", **_common(visit), entries=entries, channels=chat_channels(),
                    when=lambda value: moment(value, visit.org.timezone))
        return HTMLResponse(html)

    return await as_signed_in(request, work)


async def person_page(request: Request) -> Response:
    """GET /nguoi-dung/{id}: one person, with the administrator's forms."""
    person_id = int(request.path_params["person_id"])
    return await as_signed_in(request, lambda visit: HTMLResponse(person_html(visit, person_id)))


def person_html(visit: Visit, person_id: int, *, invite: Invite | None = None) -> str:
    """The person page, saying what just happened; with `invite`, the new code, its link and its QR code."""
    entry = directory_entry(visit.session, clock=visit.clock, actor=visit.actor, person_id=person_id)
    shown = invite_view(invite, visit.org.timezone) if invite else None
    return page("person.html.j2", **_common(visit), e=entry, p=entry.person, channels=chat_channels(),
                manages=may_manage_people(visit.actor), invite=shown,
                message=DONE_WORDS.get(visit.query.get("xong", ""), ""), channel_label=channel_label,
                when=lambda value: moment(value, visit.org.timezone))


def invite_view(invite: Invite, timezone: str) -> dict[str, str]:
    """What the page shows of a code just issued: the code, its expiry, the command to send, the t.me link
    when the bot's name is set (the ward's own bot's, else TELEGRAM_BOT_USERNAME), and a QR code of the link
    or else of the command.

    The bot's name is read from the environment here, when a code is issued, as `tracker people invite`
    does: `tracker serve` has checked the same variables at start, and the console's context stays what
    every page needs."""
    from tracker.config.settings import load_settings

    bot = invite.ward_bot or load_settings().telegram_bot_username
    command = f"/start {invite.code}"
    link = f"https://t.me/{bot}?start={invite.code}" if bot else ""
    qr = segno.make(link or command, error="m").svg_inline(
        scale=4, omitsize=True, svgclass="qr", light="#fff",
        title=f"Mã QR {'mở Telegram với' if link else 'của dòng'} mã mời của {invite.person.name}")
    qr = qr.replace("<svg ", '<svg role="img" ', 1)  # a picture with a name for a screen reader (its <title>)
    return {"code": invite.code, "expires": moment(invite.expires_at, timezone), "command": command,
            "link": link, "qr": qr}


async def new_invite(request: Request) -> Response:
    """POST /nguoi-dung/{id}/ma-moi: a new code, shown on the page this once (only its hash is stored)."""
    person_id = int(request.path_params["person_id"])

    def work(visit: Visit) -> Response:
        invite = issue_invite(visit.session, clock=visit.clock, actor=visit.actor, person_id=person_id,
                              channel=CHANNEL)
        # The code is on this page only: no cache may keep it.
        return HTMLResponse(person_html(visit, person_id, invite=invite), headers={"cache-control": "no-store"})

    return await as_signed_in(request, work)


async def act(request: Request) -> Response:
    """POST /nguoi-dung/{id}/{action}: cancel open codes, unbind a chat, or set the preferred channel; then
    back to the person page (303) saying so."""
    person_id, action = int(request.path_params["person_id"]), str(request.path_params["action"])
    if action not in ACTIONS:
        return HTMLResponse("Không có thao tác này.", status_code=404)

    def work(visit: Visit) -> Response:
        done = ACTIONS[action](visit, person_id)
        return RedirectResponse(f"/nguoi-dung/{person_id}?xong={done}", status_code=303)

    return await as_signed_in(request, work)


def _revoke(visit: Visit, person_id: int) -> str:
    count = revoke_invites(visit.session, clock=visit.clock, actor=visit.actor, person_id=person_id,
                           channel=CHANNEL)
    return "huy-ma" if count else "khong-co-ma"


def _unbind(visit: Visit, person_id: int) -> str:
    chat_channel = visit.form.get("kenh", "")
    if chat_channel not in chat_channels():
        raise InvalidInputError(f"Kênh «{chat_channel}» không được hỗ trợ.")
    if visit.form.get("xac_nhan") != "1":
        raise InvalidInputError("Hãy đánh dấu ô xác nhận trước khi bỏ gắn chat.")
    unbind_chats(visit.session, clock=visit.clock, actor=visit.actor, person_id=person_id,
                 chat_channel=chat_channel, channel=CHANNEL)
    return "bo-gan"


def _prefer(visit: Visit, person_id: int) -> str:
    wanted = visit.form.get("kenh", "")
    set_preferred_channel(visit.session, clock=visit.clock, actor=visit.actor, person_id=person_id,
                          channel=wanted or None, via=CHANNEL)
    return "kenh"


ACTIONS = {"huy-ma": _revoke, "bo-gan": _unbind, "kenh-uu-tien": _prefer}

ROUTES = [
    Route("/nguoi-dung", people_list),
    Route("/nguoi-dung/{person_id:int}", person_page),
    Route("/nguoi-dung/{person_id:int}/ma-moi", new_invite, methods=["POST"]),
    Route("/nguoi-dung/{person_id:int}/{action:str}", act, methods=["POST"]),
]
