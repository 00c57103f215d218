"""Báo cáo: a month's figures and the report's sentence, the results still missing by unit, the tasks of
the month's Phụ lục 1 with a way to take one out or bring one in (with a reason), and Phụ lục 1 and 5 to
download as Word or Excel, made by the same use cases and writers as `tracker report`."""

from __future__ import annotations

from collections import defaultdict
from io import BytesIO

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.views import page
from app.web.visit import Visit, as_signed_in
from tracker.errors import InvalidInputError
from tracker.models import Task
from tracker.reports.model import Appendix
from tracker.reports.selection import parse_month
from tracker.usecases.missing import tasks_missing_results
from tracker.usecases.reports import month_figures, month_plan, month_results
from tracker.usecases.tasks import set_report_override
from tracker.usecases.units import list_units

FILES = {
    "phu-luc-1.docx": ("results", "docx"), "phu-luc-1.xlsx": ("results", "xlsx"),
    "phu-luc-5.docx": ("plan", "docx"), "phu-luc-5.xlsx": ("plan", "xlsx"),
}
MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _month(visit: Visit) -> str:
    """The month asked for ("2026-05"), the current one by default. Raises InvalidInputError."""
    text = visit.query.get("thang", "").strip() or visit.form.get("thang", "").strip()
    return parse_month(text) if text else f"{visit.today():%Y-%m}"


async def report_page(request: Request) -> Response:
    """GET /bao-cao?thang=mm/yyyy: the month's figures, missing results, appendix tasks and downloads."""
    return await as_signed_in(request, _report)


def _report(visit: Visit) -> Response:
    month = _month(visit)
    figures = month_figures(visit.session, actor=visit.actor, month=month)
    appendix = month_results(visit.session, actor=visit.actor, month=month)
    units = {u.id: u.name for u in list_units(visit.session, org_id=visit.org.id or 0, include_inactive=True)}
    missing: dict[str, list[Task]] = defaultdict(list)
    for task in tasks_missing_results(visit.session, actor=visit.actor, month=month):
        missing[units.get(task.owner_unit_id, "")].append(task)
    done = visit.query.get("xong", "")
    html = page("report.html.j2", person=visit.actor, org=visit.org, csrf=visit.csrf, active="report",
                month=month, month_words=f"{month[5:]}/{month[:4]}", figures=figures, appendix=appendix,
                missing=dict(missing), message={"vao": "Đã đưa nhiệm vụ vào phụ lục tháng.",
                                                "ra": "Đã bỏ nhiệm vụ khỏi phụ lục tháng."}.get(done, ""))
    return HTMLResponse(html)


async def choose(request: Request) -> Response:
    """POST /bao-cao/chon: bring a task into (vao) or take it out of (ra) the month's Phụ lục 1, with a reason."""

    def work(visit: Visit) -> Response:
        month = _month(visit)
        action = visit.form.get("chon", "")
        task_text = visit.form.get("nhiem_vu", "").strip().lstrip("#")
        if action not in ("vao", "ra") or not task_text.isdigit():
            raise InvalidInputError("Hãy nhập số nhiệm vụ và chọn đưa vào hay bỏ ra.")
        set_report_override(visit.session, clock=visit.clock, actor=visit.actor, task_id=int(task_text),
                            month=month, include=action == "vao", reason=visit.form.get("ly_do", ""),
                            channel="web")
        return RedirectResponse(f"/bao-cao?thang={month[5:]}/{month[:4]}&xong={action}", status_code=303)

    return await as_signed_in(request, work)


async def download(request: Request) -> Response:
    """GET /bao-cao/{file}?thang=mm/yyyy: Phụ lục 1 or 5 of the month as a Word or Excel file."""
    name = str(request.path_params["file"])
    if name not in FILES:
        return HTMLResponse("Không có tệp này.", status_code=404)
    which, kind = FILES[name]

    def work(visit: Visit) -> Response:
        month = _month(visit)
        maker = month_results if which == "results" else month_plan
        appendix = maker(visit.session, actor=visit.actor, month=month)
        body = _file(appendix, kind)
        filename = f"{name.rsplit('.', 1)[0]}-thang-{month[5:]}-{month[:4]}.{kind}"
        return Response(body, media_type=MEDIA[kind],
                        headers={"content-disposition": f'attachment; filename="{filename}"'})

    return await as_signed_in(request, work)


def _file(appendix: Appendix, kind: str) -> bytes:
    buffer = BytesIO()
    if kind == "docx":
        from tracker.reports.word import write_docx

        write_docx([appendix], buffer)
    else:
        from tracker.reports.excel import write_xlsx

        write_xlsx([appendix], buffer)
    return buffer.getvalue()


ROUTES = [
    Route("/bao-cao", report_page),
    Route("/bao-cao/chon", choose, methods=["POST"]),
    Route("/bao-cao/{file:str}", download),
]
