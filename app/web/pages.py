"""The console's pages: Tổng quan (the status classes by unit, what is overdue, what waits for someone), the
task list with its filters and its Excel export, and one task with everything about it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from io import BytesIO
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from app.web.views import bar_chart, page
from app.web.visit import Visit, as_signed_in
from tracker.enums import Role, TaskStatus
from tracker.errors import InvalidInputError
from tracker.models import Person, Task
from tracker.status import STATUS_CLASS_LABELS, StatusClass, TaskFacts, classify
from tracker.usecases import get_task, list_extension_requests, list_people, list_units, ward_stats
from tracker.usecases.reimports import list_imports
from tracker.usecases.task_details import task_details
from tracker.usecases.task_search import SORTS, TaskFilter, search_tasks

OVERVIEW_LIMIT = 20
# The statuses the task list filters on besides the report's classes.
STATUS_CHOICES = {TaskStatus.REPORTED_DONE.value: "báo đã xong, chờ xác nhận", TaskStatus.CANCELLED.value: "đã hủy"}
SORT_WORDS = {"due": "hạn sớm nhất", "newest": "mới giao nhất", "unit": "theo đơn vị", "title": "theo tên"}


def _common(visit: Visit, active: str) -> dict[str, object]:
    return {"person": visit.actor, "org": visit.org, "csrf": visit.csrf, "active": active}


async def overview(request: Request) -> Response:
    """GET /: the ward (a unit head: the unit) at a glance."""
    return await as_signed_in(request, _overview)


def _overview(visit: Visit) -> Response:
    day = visit.today()
    stats = ward_stats(visit.session, actor=visit.actor, day=day)
    rows = [(unit.unit.name, dict(unit.counts)) for unit in stats.units if unit.total]
    units = {u.id: u for u in list_units(visit.session, org_id=visit.org.id or 0, include_inactive=True)}
    people = {p.id: p for p in _people(visit)}
    # Only the first rows of each list, counted by the database: a big ward has hundreds of overdue tasks,
    # and the task list (the same filter) shows them all.
    overdue = search_tasks(visit.session, actor=visit.actor, day=day, page_size=OVERVIEW_LIMIT,
                           wanted=TaskFilter(status_class=StatusClass.IN_PROGRESS_OVERDUE))
    waiting = search_tasks(visit.session, actor=visit.actor, day=day, page_size=OVERVIEW_LIMIT,
                           wanted=TaskFilter(status=TaskStatus.REPORTED_DONE))
    requests = list_extension_requests(visit.session, actor=visit.actor)
    html = page("overview.html.j2", **_common(visit, "overview"), day=day, stats=stats, chart=bar_chart(rows),
                overdue=overdue, waiting=waiting, requests=requests, units=units, people=people,
                request_tasks={r.id: get_task(visit.session, actor=visit.actor, task_id=r.task_id) for r in requests})
    return HTMLResponse(html)


def _people(visit: Visit) -> list[Person]:
    return list_people(visit.session, actor=visit.actor)


def wanted_from(values: Mapping[str, str]) -> TaskFilter:
    """The filter a task list's query string asks for. Raises InvalidInputError for a value not offered."""
    def number(name: str) -> int | None:
        text = values.get(name, "").strip()
        if not text:
            return None
        if not text.isdigit():
            raise InvalidInputError(f"Giá trị «{text}» của bộ lọc không hợp lệ.")
        return int(text)

    status_class = values.get("tinh_trang", "")
    if status_class and status_class not in {c.value for c in StatusClass} | set(STATUS_CHOICES):
        raise InvalidInputError(f"Tình trạng «{status_class}» không có trong danh sách.")
    sort = values.get("sap_xep", "due") or "due"
    if sort not in SORTS:
        raise InvalidInputError(f"Cách sắp xếp «{sort}» không có trong danh sách.")
    return TaskFilter(
        unit_id=number("don_vi"), leader_id=number("lanh_dao"), document_id=number("van_ban"),
        status_class=StatusClass(status_class) if status_class and status_class not in STATUS_CHOICES else None,
        status=TaskStatus(status_class) if status_class in STATUS_CHOICES else None,
        month=values.get("thang", "").strip(), words=values.get("tu_khoa", "").strip(), sort=sort,
        page=number("trang") or 1)


async def task_list(request: Request) -> Response:
    """GET /nhiem-vu: the filtered list; an htmx request gets the results part only."""
    partial = bool(request.headers.get("hx-request")) and not request.headers.get("hx-boosted")

    def work(visit: Visit) -> Response:
        wanted = wanted_from(visit.query)
        day = visit.today()
        found = search_tasks(visit.session, actor=visit.actor, day=day, wanted=wanted)
        query = {k: v for k, v in visit.query.items() if v and k != "trang"}
        context = {**_common(visit, "tasks"), "found": found, "wanted": wanted, "day": day,
                   "query": query, "query_string": urlencode(query), **_choices(visit)}
        return HTMLResponse(page("task_results.html.j2" if partial else "tasks.html.j2", **context))

    return await as_signed_in(request, work)


def _choices(visit: Visit) -> dict[str, object]:
    units = list_units(visit.session, org_id=visit.org.id or 0, include_inactive=True)
    if visit.actor.role in (Role.UNIT_HEAD, Role.MEMBER):
        units = [u for u in units if u.id == visit.actor.unit_id]
    leaders = [p for p in _people(visit) if p.role == Role.LEADER]
    documents = [item.document for item in list_imports(visit.session, actor=visit.actor)] \
        if visit.actor.role in (Role.ADMIN, Role.OFFICE, Role.LEADER) else []
    classes = [(c.value, STATUS_CLASS_LABELS[c]) for c in StatusClass] + list(STATUS_CHOICES.items())
    return {"unit_choices": units, "leader_choices": leaders, "document_choices": documents,
            "class_choices": classes, "sort_choices": SORT_WORDS, "units": {u.id: u for u in units},
            "people": {p.id: p for p in _people(visit)}}


async def task_export(request: Request) -> Response:
    """GET /nhiem-vu.xlsx: the list as filtered, every page, as an Excel workbook."""

    def work(visit: Visit) -> Response:
        from app.web.export import tasks_workbook

        day = visit.today()
        found = search_tasks(visit.session, actor=visit.actor, day=day, wanted=wanted_from(visit.query),
                             page_size=None)
        units = {u.id: u.name for u in list_units(visit.session, org_id=visit.org.id or 0, include_inactive=True)}
        people = {p.id: p.name for p in _people(visit)}
        buffer = BytesIO()
        tasks_workbook(found.tasks, day=day, units=units, people=people, title=visit.org.name).save(buffer)
        name = f"nhiem-vu-{day:%d-%m-%Y}.xlsx"
        return Response(buffer.getvalue(), headers={"content-disposition": f'attachment; filename="{name}"'},
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    return await as_signed_in(request, work)


async def task_page(request: Request) -> Response:
    """GET /nhiem-vu/{id}: one task with its reports, extension requests, history and the actions allowed."""
    task_id = int(request.path_params["task_id"])
    return await as_signed_in(request, lambda visit: HTMLResponse(task_html(visit, task_id)))


def task_html(visit: Visit, task_id: int, *, message: str = "", failed: bool = False) -> str:
    """The task page, with a line saying what just happened (or what went wrong)."""
    from app.web.task_actions import allowed_actions

    details = task_details(visit.session, actor=visit.actor, task_id=task_id)
    day = visit.today()
    return page("task.html.j2", **_common(visit, "tasks"), d=details, t=details.task, day=day,
                actions=allowed_actions(visit, details.task), message=message or _done_words(visit),
                failed=failed, status_class=_status_class(details.task, day))


def _done_words(visit: Visit) -> str:
    from app.web.task_actions import DONE_WORDS

    return DONE_WORDS.get(visit.query.get("xong", ""), "")


def _status_class(task: Task, day: date) -> str:
    found = classify(TaskFacts.of(task), day)
    return STATUS_CLASS_LABELS[found] if found else ""


ROUTES = [
    Route("/", overview),
    Route("/nhiem-vu", task_list),
    Route("/nhiem-vu.xlsx", task_export),
    Route("/nhiem-vu/{task_id:int}", task_page),
]
