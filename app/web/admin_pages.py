"""Hộp thư đi (every message the ward sent or will send, with a way to send a failed one again) and Nhật ký
(the audit trail with filters): what office staff look at when someone says "I never got it" or "who
changed this?"."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.views import page
from app.web.visit import Visit, as_signed_in
from tracker.channels import channel_label
from tracker.dates import parse_day
from tracker.enums import NotificationStatus
from tracker.errors import InvalidInputError
from tracker.outbox import list_notifications, readable_body, retry_notification
from tracker.usecases import list_people
from tracker.usecases.audit_log import ENTITY_WORDS, AuditFilter, audit_choices, audit_events

OUTBOX_LIMIT = 200
STATUS_WORDS = {NotificationStatus.PENDING: "chờ gửi", NotificationStatus.SENDING: "đang gửi",
                NotificationStatus.SENT: "đã gửi", NotificationStatus.FAILED: "lỗi"}


async def outbox_page(request: Request) -> Response:
    """GET /hop-thu-di?trang_thai=failed: the newest messages, secret ones hidden."""

    def work(visit: Visit) -> Response:
        status = visit.query.get("trang_thai", "")
        if status and status not in set(NotificationStatus):
            raise InvalidInputError(f"Trạng thái «{status}» không có trong danh sách.")
        rows = list_notifications(visit.session, actor=visit.actor, status=status or None, limit=OUTBOX_LIMIT)
        people = {p.id: p.name for p in list_people(visit.session, actor=visit.actor)}
        html = page("outbox.html.j2", person=visit.actor, org=visit.org, csrf=visit.csrf, active="outbox",
                    rows=[(row, people.get(row.person_id, ""), readable_body(row), channel_label(row.channel))
                          for row in rows],
                    status=status, status_words=STATUS_WORDS, limit=OUTBOX_LIMIT,
                    message="Đã đưa tin nhắn vào hàng chờ gửi lại." if visit.query.get("xong") else "")
        return HTMLResponse(html)

    return await as_signed_in(request, work)


async def retry(request: Request) -> Response:
    """POST /hop-thu-di/{id}/gui-lai: a failed message goes back to the queue (audited as web)."""
    notification_id = int(request.path_params["notification_id"])

    def work(visit: Visit) -> Response:
        retry_notification(visit.session, clock=visit.clock, actor=visit.actor, notification_id=notification_id,
                           channel="web")
        return RedirectResponse("/hop-thu-di?xong=1", status_code=303)

    return await as_signed_in(request, work)


def wanted_log(query: dict[str, str]) -> AuditFilter:
    """The audit filter a query string asks for. Raises InvalidInputError for a value not understood."""
    person = query.get("nguoi", "").strip()
    page_text = query.get("trang", "").strip()
    if (person and not person.isdigit()) or (page_text and not page_text.isdigit()):
        raise InvalidInputError("Giá trị của bộ lọc không hợp lệ.")
    since, until = query.get("tu_ngay", "").strip(), query.get("den_ngay", "").strip()
    return AuditFilter(entity=query.get("loai", "").strip(), action=query.get("thao_tac", "").strip(),
                       person_id=int(person) if person else None, since=parse_day(since) if since else None,
                       until=parse_day(until) if until else None, page=int(page_text) if page_text else 1)


async def log_page(request: Request) -> Response:
    """GET /nhat-ky: the ward's audit trail, newest first, filtered and in pages."""

    def work(visit: Visit) -> Response:
        wanted = wanted_log(dict(visit.query))
        found = audit_events(visit.session, actor=visit.actor, wanted=wanted)
        entities, actions = audit_choices(visit.session, actor=visit.actor)
        query = {k: v for k, v in visit.query.items() if v and k != "trang"}
        html = page("audit_log.html.j2", person=visit.actor, org=visit.org, csrf=visit.csrf, active="log",
                    found=found, wanted=wanted, entities=entities, actions=actions, entity_words=ENTITY_WORDS,
                    people=list_people(visit.session, actor=visit.actor), query=query,
                    query_string=urlencode(query), raw_query=visit.query)
        return HTMLResponse(html)

    return await as_signed_in(request, work)


ROUTES = [
    Route("/hop-thu-di", outbox_page),
    Route("/hop-thu-di/{notification_id:int}/gui-lai", retry, methods=["POST"]),
    Route("/nhat-ky", log_page),
]
