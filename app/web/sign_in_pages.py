"""Signing in and out: a one-time code sent to the person's chat, or a password; the session cookie.

The sign-in forms are posted before there is a session, so their CSRF token is a random value kept in a
cookie of its own and repeated in the form (double submit): a page of another site can send the form but
cannot read the cookie to repeat it."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.views import page
from app.web.visit import SESSION_COOKIE, BadForm, Visit, WebContext, as_signed_in, read_form, web
from tracker.db import session_scope
from tracker.errors import TrackerError
from tracker.usecases.web_sign_in import (
    CODE_ASKED,
    REFUSED,
    SESSION_LIFETIME,
    SignedIn,
    ask_for_code,
    sign_in_with_code,
    sign_in_with_link,
    sign_in_with_password,
    sign_out,
    sign_out_everywhere,
    signed_in,
    ward_choices,
)

FORM_COOKIE = "tracker_form"


def safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only (never //other.site or a full address)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def sign_in_page(request: Request) -> Response:
    """GET /dang-nhap: the forms; a person already signed in goes straight on."""
    context = web(request)
    target = safe_next(request.query_params.get("tiep", "/"))

    def render() -> Response:
        with session_scope(context.engine) as session:
            if signed_in(session, clock=context.clock, token=request.cookies.get(SESSION_COOKIE, "")):
                return RedirectResponse(target, status_code=303)
            wards = ward_choices(session)
        return _form_page(request, step="start", wards=wards, next_path=target)

    return await run_in_threadpool(render)


def _form_page(request: Request, *, step: str, wards: list[tuple[str, str]], next_path: str, key: str = "",
               ward: str = "", message: str = "", failed: bool = False, status: int = 200,
               link: str = "") -> Response:
    form_csrf = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(24)
    html = page("sign_in.html.j2", person=None, org=None, csrf="", step=step, wards=wards, next=next_path, key=key,
                ward=ward, message=message, failed=failed, form_csrf=form_csrf, link=link)
    response = HTMLResponse(html, status_code=status)
    response.set_cookie(FORM_COOKIE, form_csrf, httponly=True, samesite="strict",
                        secure=web(request).secure_cookies, path="/dang-nhap")
    return response


@dataclass(frozen=True)
class Posted:
    """A sign-in form's fields: the ward (empty when there is one), the key, where to go next, and the rest."""

    ward: str
    key: str
    target: str
    fields: dict[str, str]


async def _posted(request: Request) -> Posted:
    """The sign-in form posted by our own page. Raises BadForm otherwise."""
    form = await read_form(request)
    cookie = request.cookies.get(FORM_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), form.get("csrf", "").encode()):
        raise BadForm("Trang đăng nhập đã cũ; hãy tải lại trang rồi làm lại.")
    return Posted(ward=form.get("phuong", ""), key=form.get("khoa", ""), target=safe_next(form.get("tiep", "/")),
                  fields=form)


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


async def ask_code(request: Request) -> Response:
    """POST /dang-nhap/ma: send a code to the key's chat; the same answer whether or not the key exists."""
    context = web(request)
    try:
        posted = await _posted(request)
    except BadForm as error:
        return await _refused(request, error.message, status=400)
    ward, key, target = posted.ward, posted.key, posted.target

    def work() -> Response:
        try:
            with session_scope(context.engine) as session:
                ask_for_code(session, clock=context.clock, ward=ward or None, key=key, address=_address(request),
                             base_url=context.base_url)
                wards = ward_choices(session)
        except TrackerError as error:
            return _refusal(context, request, error.message, status=429, key=key, ward=ward, next_path=target)
        return _form_page(request, step="code", wards=wards, next_path=target, key=key, ward=ward,
                          message=CODE_ASKED)

    return await run_in_threadpool(work)


async def enter_code(request: Request) -> Response:
    """POST /dang-nhap/xac-nhan: the code received in the chat opens a session."""
    return await _sign_in(request, step="code")


async def enter_password(request: Request) -> Response:
    """POST /dang-nhap/mat-khau: the person's password opens a session."""
    return await _sign_in(request, step="start")


async def _sign_in(request: Request, *, step: str) -> Response:
    context = web(request)
    try:
        posted = await _posted(request)
    except BadForm as error:
        return await _refused(request, error.message, status=400)
    ward, key, target, form = posted.ward, posted.key, posted.target, posted.fields
    address, agent = _address(request), request.headers.get("user-agent", "")

    def work() -> Response:
        try:
            with session_scope(context.engine) as session:
                if step == "code":
                    done = sign_in_with_code(session, clock=context.clock, ward=ward or None, key=key,
                                             code=form.get("ma", ""), address=address, user_agent=agent)
                else:
                    done = sign_in_with_password(session, clock=context.clock, ward=ward or None, key=key,
                                                 password=form.get("mat_khau", ""), address=address,
                                                 user_agent=agent)
        except TrackerError as error:
            return _refusal(context, request, error.message, status=429, key=key, ward=ward, next_path=target)
        if done is None:
            return _refusal(context, request, REFUSED, status=401, key=key, ward=ward, next_path=target, step=step)
        return _signed_in_response(request, done, target)

    return await run_in_threadpool(work)


async def link_page(request: Request) -> Response:
    """GET /dang-nhap/lien-ket/{token}: a button that signs in with the link sent in the chat. Never signs in
    by itself, and says nothing of the link: chat apps and scanners fetch a link to preview it. Neither
    kept in a cache nor named to the next site as the referrer: the address is the credential."""
    response = _form_page(request, step="link", wards=[], next_path="/", link=request.url.path)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def follow_link(request: Request) -> Response:
    """POST /dang-nhap/lien-ket/{token}: the link sent in the chat opens a session, once."""
    context = web(request)
    try:
        await _posted(request)
    except BadForm as error:
        return await _refused(request, error.message, status=400)
    token = request.path_params["token"]
    address, agent = _address(request), request.headers.get("user-agent", "")

    def work() -> Response:
        try:
            with session_scope(context.engine) as session:
                done = sign_in_with_link(session, clock=context.clock, token=token, address=address,
                                         user_agent=agent)
        except TrackerError as error:
            return _refusal(context, request, error.message, status=429)
        if done is None:
            return _refusal(context, request, REFUSED, status=401)
        return _signed_in_response(request, done, "/")

    return await run_in_threadpool(work)


def _signed_in_response(request: Request, done: SignedIn, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, done.token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", secure=web(request).secure_cookies, path="/")
    return response


def _refusal(context: WebContext, request: Request, message: str, *, status: int, key: str = "", ward: str = "",
             next_path: str = "/", step: str = "start") -> Response:
    with session_scope(context.engine) as session:
        wards = ward_choices(session)
    return _form_page(request, step=step, wards=wards, next_path=next_path, key=key, ward=ward, message=message,
                      failed=True, status=status)


async def _refused(request: Request, message: str, *, status: int) -> Response:
    return await run_in_threadpool(_refusal, web(request), request, message, status=status)


async def sign_out_here(request: Request) -> Response:
    """POST /dang-xuat: end this session."""
    token = request.cookies.get(SESSION_COOKIE, "")

    def work(visit: Visit) -> Response:
        sign_out(visit.session, clock=visit.clock, token=token)
        return _signed_out(request)

    return await as_signed_in(request, work)


async def sign_out_all(request: Request) -> Response:
    """POST /dang-xuat/moi-noi: end every session of the signed-in person, on every device."""

    def work(visit: Visit) -> Response:
        sign_out_everywhere(visit.session, clock=visit.clock, actor=visit.actor)
        return _signed_out(request)

    return await as_signed_in(request, work)


def _signed_out(request: Request) -> Response:
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=web(request).secure_cookies)
    return response


ROUTES = [
    Route("/dang-nhap", sign_in_page),
    Route("/dang-nhap/ma", ask_code, methods=["POST"]),
    Route("/dang-nhap/xac-nhan", enter_code, methods=["POST"]),
    Route("/dang-nhap/mat-khau", enter_password, methods=["POST"]),
    Route("/dang-nhap/lien-ket/{token}", link_page),
    Route("/dang-nhap/lien-ket/{token}", follow_link, methods=["POST"]),
    Route("/dang-xuat", sign_out_here, methods=["POST"]),
    Route("/dang-xuat/moi-noi", sign_out_all, methods=["POST"]),
]
