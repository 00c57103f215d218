"""One request of a signed-in person: the session cookie checked, the form's CSRF token compared, a database
transaction opened in a worker thread (the use cases are synchronous), and the use cases' refusals turned
into pages: another ward's task is absent (404), a forbidden action 403, a wrong value 400."""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app.web.views import page
from tracker.clock import Clock
from tracker.db import session_scope
from tracker.errors import ConflictError, ForbiddenError, NotFoundError, TrackerError
from tracker.models import Organization, Person
from tracker.usecases import ward_today
from tracker.usecases.web_sign_in import signed_in

SESSION_COOKIE = "tracker_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FORM_BYTES = 200_000  # a form is a few fields of text; uploads have their own limit


@dataclass(frozen=True)
class WebContext:
    engine: Engine
    clock: Clock
    secure_cookies: bool


@dataclass
class Visit:
    """What a page or an action works with: the transaction, the clock, the ward, the signed-in person,
    the session's CSRF token, and the request's query and form fields."""

    session: Session
    clock: Clock
    org: Organization
    actor: Person
    csrf: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    path: str

    def today(self) -> date:
        return ward_today(self.session, self.clock, self.org.id or 0)


class BadForm(TrackerError):
    """A form that did not come from our page (no or a wrong CSRF token, too large)."""


def web(request: Request) -> WebContext:
    return request.app.state.web  # type: ignore[no-any-return]


async def as_signed_in(request: Request, work: Callable[[Visit], Response]) -> Response:
    """`work`'s response for the signed-in person, in a transaction that commits when it returns; a visitor
    without a live session is sent to the sign-in page (htmx: told to go there). A POST must carry the
    session's CSRF token in its form or in the X-CSRF-Token header."""
    context = web(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        form = await read_form(request) if request.method == "POST" else {}
        return await run_in_threadpool(_in_transaction, context, token, request, form, work)
    except TrackerError as error:
        return await run_in_threadpool(_error_page, context, token, request, error)


async def read_form(request: Request) -> dict[str, str]:
    """The text fields of a POSTed form, NFC. Raises BadForm for a form too large or not a form at all."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
        raise BadForm("Biểu mẫu quá lớn hoặc không rõ kích thước.")
    try:
        async with request.form(max_files=0, max_fields=100) as data:
            return {key: unicodedata.normalize("NFC", value).strip() for key, value in data.items()
                    if isinstance(value, str)}
    except MultiPartException as exc:
        raise BadForm("Biểu mẫu không đọc được; hãy tải lại trang rồi làm lại.") from exc


def _in_transaction(context: WebContext, token: str, request: Request, form: dict[str, str],
                    work: Callable[[Visit], Response]) -> Response:
    with session_scope(context.engine) as session:
        found = signed_in(session, clock=context.clock, token=token)
        if found is None:
            return _to_sign_in(request)
        person, web_session = found
        if request.method == "POST":
            given = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(given.encode(), web_session.csrf_token.encode()):
                raise BadForm("Biểu mẫu đã cũ hoặc không phải từ trang này; hãy tải lại trang rồi làm lại.")
        org = session.get(Organization, person.org_id)
        assert org is not None
        visit = Visit(session=session, clock=context.clock, org=org, actor=person, csrf=web_session.csrf_token,
                      query=dict(request.query_params), form=form, path=request.url.path)
        return work(visit)


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/dang-nhap?tiep={quote(target, safe='')}" if request.method == "GET" else "/dang-nhap"
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


_STATUS = {NotFoundError: 404, ForbiddenError: 403, ConflictError: 409, BadForm: 400}


def _error_page(context: WebContext, token: str, request: Request, error: TrackerError) -> Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
    with session_scope(context.engine) as session:
        found = signed_in(session, clock=context.clock, token=token)
        person, csrf = (found[0], found[1].csrf_token) if found else (None, "")
        org = session.get(Organization, person.org_id) if person else None
        html = page("error.html.j2", person=person, org=org, csrf=csrf, message=error.message, status=status)
    return HTMLResponse(html, status_code=status)
