"""One request of a signed-in person: the session cookie checked, the form's CSRF token compared, a database
transaction opened in a worker thread (the use cases are synchronous), and the use cases' refusals turned
into pages: another ward's task is absent (404), a forbidden action 403, a wrong value 400."""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Message, Receive

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
    base_url: str = ""  # the console's public address (TRACKER_WEB_BASE_URL), for links sent in chats


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


async def as_signed_in(request: Request, work: Callable[[Visit], Response], *, max_bytes: int = MAX_FORM_BYTES,
                       max_fields: int = 100) -> Response:
    """`work`'s response for the signed-in person, in a transaction that commits when it returns; a visitor
    without a live session is sent to the sign-in page (htmx: told to go there). A POST must carry the
    session's CSRF token in its form or in the X-CSRF-Token header."""
    context = web(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        form = await read_form(request, max_bytes=max_bytes, max_fields=max_fields) if request.method == "POST" else {}
        return await run_in_threadpool(_in_transaction, context, token, request, form, work)
    except TrackerError as error:
        return await run_in_threadpool(_error_page, context, token, request, error)


async def read_form(request: Request, *, max_bytes: int = MAX_FORM_BYTES, max_fields: int = 100) -> dict[str, str]:
    """The text fields of a POSTed form, NFC. Raises BadForm for a form too large or not a form at all."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > max_bytes:
        raise BadForm("Biểu mẫu quá lớn hoặc không rõ kích thước.")
    try:
        async with request.form(max_files=0, max_fields=max_fields) as data:
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


# --- a form with a file -------------------------------------------------------------------------------

UPLOAD_SLACK = 64 * 1024  # the multipart framing and the few text fields around the file


Prepared = TypeVar("Prepared")
Seen = TypeVar("Seen")


class UploadTooLarge(BadForm):
    """A file larger than the ward allows (413)."""


@dataclass(frozen=True)
class Upload:
    """A posted file: its name as the browser gave it ("" when none was chosen), its bytes, and the form's
    text fields (NFC)."""

    file_name: str
    data: bytes
    fields: dict[str, str]


async def as_signed_in_upload(
        request: Request, *, limit: Callable[[Visit], int], prepare: Callable[[Upload], Prepared],
        work: Callable[[Visit, Prepared], Response], refused: Callable[[Visit, UploadTooLarge], Response],
        file_field: str = "tep") -> Response:
    """A multipart POST of one file in `file_field`: `limit(visit)` (in a short transaction of its own,
    which also sends a visitor without a session to sign in, and may refuse the person) gives the most
    bytes the file may have; a body declaring more, or streaming more, is not read on and `refused` makes
    the answer (413). The form's CSRF field is then compared with the session's; `prepare(upload)` runs in
    a worker thread outside any transaction (a reading may take minutes and must not hold the database's
    write lock); `work(visit, prepared)` runs as as_signed_in's work does."""
    context = web(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    try:
        allowed = await run_in_threadpool(_looking, context, token, request, lambda v: (limit(v), v.csrf))
        if isinstance(allowed, Response):
            return allowed
        max_bytes, csrf = allowed
        try:
            upload = await read_upload(request, max_bytes=max_bytes, file_field=file_field)
        except UploadTooLarge as error:
            return await run_in_threadpool(_looking, context, token, request, lambda v, e=error: refused(v, e))
        if not hmac.compare_digest(upload.fields.get(CSRF_FIELD, "").encode(), csrf.encode()):
            raise BadForm("Biểu mẫu đã cũ hoặc không phải từ trang này; hãy tải lại trang rồi làm lại.")
        prepared = await run_in_threadpool(prepare, upload)
        return await run_in_threadpool(_in_transaction, context, token, request, upload.fields,
                                       lambda visit: work(visit, prepared))
    except TrackerError as error:
        return await run_in_threadpool(_error_page, context, token, request, error)


async def read_upload(request: Request, *, max_bytes: int, file_field: str) -> Upload:
    """The form's file (at most `max_bytes`) and text fields. The declared Content-Length is checked before
    the body is read, and the bytes as they stream in, so that a large body is never taken in whole.
    Raises UploadTooLarge, or BadForm for a body that is not a multipart form."""
    from starlette.datastructures import UploadFile
    from starlette.exceptions import HTTPException

    budget = max_bytes + UPLOAD_SLACK
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > budget:
        raise UploadTooLarge(_too_large_words(max_bytes))
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise BadForm("Biểu mẫu tải tệp không đọc được; hãy tải lại trang rồi làm lại.")
    counted = Request(request.scope, _counting(request.receive, budget, max_bytes))
    try:
        async with counted.form(max_files=1, max_fields=20, max_part_size=MAX_FORM_BYTES) as form:
            file = form.get(file_field)
            data = await file.read(max_bytes + 1) if isinstance(file, UploadFile) else b""
            name = (file.filename or "") if isinstance(file, UploadFile) else ""
            fields = {key: unicodedata.normalize("NFC", value).strip() for key, value in form.items()
                      if isinstance(value, str)}
    except (MultiPartException, HTTPException) as exc:
        raise BadForm("Biểu mẫu tải tệp không đọc được; hãy tải lại trang rồi làm lại.") from exc
    if len(data) > max_bytes:
        raise UploadTooLarge(_too_large_words(max_bytes))
    return Upload(file_name=unicodedata.normalize("NFC", name), data=data, fields=fields)


def _counting(receive: Receive, budget: int, max_bytes: int) -> Receive:
    """`receive`, raising UploadTooLarge as soon as the body passes `budget` bytes."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > budget:
            raise UploadTooLarge(_too_large_words(max_bytes))
        return message

    return counted


def _too_large_words(max_bytes: int) -> str:
    return (f"Tệp lớn hơn mức {max_bytes // (1024 * 1024)} MB mà phường cho phép; hãy gửi tệp nhỏ hơn (chỉ phần có "
            "các nhiệm vụ) hoặc nén ảnh lại.")


def _looking(context: WebContext, token: str, request: Request, look: Callable[[Visit], Seen]
                   ) -> Seen | Response:
    """`look(visit)` for the signed-in person, without a form (nothing posted is believed), or the way to
    sign in."""
    with session_scope(context.engine) as session:
        found = signed_in(session, clock=context.clock, token=token)
        if found is None:
            return _to_sign_in(request)
        person, web_session = found
        org = session.get(Organization, person.org_id)
        assert org is not None
        return look(Visit(session=session, clock=context.clock, org=org, actor=person,
                          csrf=web_session.csrf_token, query=dict(request.query_params), form={},
                          path=request.url.path))
