"""The console's Tài khoản page: the signed-in person's own password, for signing in on a computer without
their phone at hand, set after a sign-in with a chat code. Setting it ends their sessions on other devices
and keeps this one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.views import page
from app.web.visit import SESSION_COOKIE, Visit, as_signed_in
from tracker.errors import InvalidInputError
from tracker.usecases.web_sign_in import MIN_PASSWORD, set_password

SAVED = "Đã đặt mật khẩu. Các phiên đăng nhập trên thiết bị khác đã kết thúc."


async def account_page(request: Request) -> Response:
    """GET /tai-khoan: who is signed in, and the form to set their password."""

    def work(visit: Visit) -> Response:
        message = SAVED if visit.query.get("xong") == "mat-khau" else ""
        return HTMLResponse(page("account.html.j2", person=visit.actor, org=visit.org, csrf=visit.csrf,
                                 active="account", has_password=visit.actor.password_hash is not None,
                                 min_password=MIN_PASSWORD, message=message))

    return await as_signed_in(request, work)


async def change_password(request: Request) -> Response:
    """POST /tai-khoan/mat-khau: the signed-in person's new password, typed twice; then back to the page (303)
    saying so. A password typed differently twice changes nothing (400)."""
    token = request.cookies.get(SESSION_COOKIE, "")

    def work(visit: Visit) -> Response:
        password = visit.form.get("mat_khau", "")
        if password != visit.form.get("nhap_lai", ""):
            raise InvalidInputError("Hai lần nhập mật khẩu không giống nhau; chưa đổi gì.")
        set_password(visit.session, clock=visit.clock, actor=visit.actor, person_id=visit.actor.id or 0,
                     password=password, channel="web", keep_token=token)
        return RedirectResponse("/tai-khoan?xong=mat-khau", status_code=303)

    return await as_signed_in(request, work)


ROUTES = [
    Route("/tai-khoan", account_page),
    Route("/tai-khoan/mat-khau", change_password, methods=["POST"]),
]
