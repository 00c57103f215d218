"""What a person does on a task page: report a result, report it done, confirm, reopen, cancel, edit, ask for
and decide an extension. Each form posts to /nhiem-vu/{id}/{action}; the use case decides whether it is
allowed, and the page comes back saying what happened or, in one sentence, why not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.visit import Visit, as_signed_in
from tracker.access import Action, may
from tracker.dates import parse_day
from tracker.enums import TaskStatus
from tracker.errors import InvalidInputError, NotFoundError
from tracker.models import Task
from tracker.usecases import (
    TaskChanges,
    cancel_task,
    confirm_done,
    decide_extension,
    record_update,
    reopen_task,
    report_done,
    request_extension,
    update_task,
)

CHANNEL = "web"
# What the page says after each action ("?xong=..." after the redirect).
DONE_WORDS = {
    "ket-qua": "Đã lưu báo cáo kết quả.", "bao-xong": "Đã báo hoàn thành; chờ xác nhận.",
    "xac-nhan": "Đã xác nhận hoàn thành.", "mo-lai": "Đã mở lại nhiệm vụ.", "huy": "Đã hủy nhiệm vụ.",
    "sua": "Đã lưu thay đổi.", "gia-han": "Đã gửi đề nghị gia hạn.", "duyet-gia-han": "Đã ghi quyết định gia hạn.",
}


def allowed_actions(visit: Visit, task: Task) -> set[str]:
    """The actions whose forms the task page shows to this person for this task (the use case checks again)."""
    def can(action: Action) -> bool:
        return may(visit.actor, action, org_id=task.org_id, unit_id=task.owner_unit_id)

    open_ = task.status in (TaskStatus.OPEN, TaskStatus.REPORTED_DONE)
    shown = {
        "ket-qua": can(Action.RECORD_UPDATE) and task.status != TaskStatus.CANCELLED,
        "bao-xong": can(Action.REPORT_DONE) and task.status == TaskStatus.OPEN,
        "xac-nhan": can(Action.CONFIRM) and open_,
        "mo-lai": can(Action.REOPEN) and task.status in (TaskStatus.DONE, TaskStatus.REPORTED_DONE),
        "huy": can(Action.CANCEL) and task.status != TaskStatus.CANCELLED,
        "sua": can(Action.EDIT) and task.status != TaskStatus.CANCELLED,
        "gia-han": can(Action.REQUEST_EXTENSION) and open_,
        "duyet-gia-han": can(Action.DECIDE_EXTENSION),
    }
    return {name for name, ok in shown.items() if ok}


async def act(request: Request) -> Response:
    """POST /nhiem-vu/{id}/{action}: do it, then back to the task page (303) saying so; a refusal shows the
    page again with the reason and status 400, 403, 404 or 409."""
    task_id, action = int(request.path_params["task_id"]), str(request.path_params["action"])
    if action not in ACTIONS:
        return HTMLResponse("Không có thao tác này.", status_code=404)

    def work(visit: Visit) -> Response:
        version = _number(visit.form.get("phien_ban", ""), "phiên bản")
        ACTIONS[action](visit, task_id, version)
        return RedirectResponse(f"/nhiem-vu/{task_id}?xong={action}", status_code=303)

    return await as_signed_in(request, work)


def _number(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInputError(f"Giá trị «{text}» của {what} không hợp lệ.")
    return int(text)


def _day(text: str, what: str) -> date:
    if not text.strip():
        raise InvalidInputError(f"Hãy nhập {what} (dd/mm/yyyy).")
    return parse_day(text)


def _result(visit: Visit, task_id: int, version: int | None) -> None:
    form = visit.form
    record_update(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id,
                  result_text=form.get("ket_qua", ""), forecast=form.get("du_bao", ""),
                  recommendation=form.get("kien_nghi", ""), reports_completion=form.get("da_xong") == "1",
                  month=form.get("thang") or None, channel=CHANNEL)


def _report_done(visit: Visit, task_id: int, version: int | None) -> None:
    report_done(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id, channel=CHANNEL,
                expected_version=version)


def _confirm(visit: Visit, task_id: int, version: int | None) -> None:
    finished = visit.form.get("ngay_xong", "").strip()
    confirm_done(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id, channel=CHANNEL,
                 finished_on=parse_day(finished) if finished else None, expected_version=version)


def _reopen(visit: Visit, task_id: int, version: int | None) -> None:
    reopen_task(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id,
                reason=visit.form.get("ly_do", ""), channel=CHANNEL, expected_version=version)


def _cancel(visit: Visit, task_id: int, version: int | None) -> None:
    cancel_task(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id,
                reason=visit.form.get("ly_do", ""), channel=CHANNEL, expected_version=version)


def _edit(visit: Visit, task_id: int, version: int | None) -> None:
    form = visit.form
    due = form.get("han", "").strip()
    changes = TaskChanges(title=form.get("noi_dung") or None, expected_output=form.get("san_pham"),
                          owner_unit_id=_number(form.get("don_vi", ""), "đơn vị"),
                          due_on=parse_day(due) if due else None)
    update_task(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id, changes=changes,
                expected_version=version, channel=CHANNEL)


def _ask_extension(visit: Visit, task_id: int, version: int | None) -> None:
    request_extension(visit.session, clock=visit.clock, actor=visit.actor, task_id=task_id,
                      requested_due_on=_day(visit.form.get("han_moi", ""), "hạn mới"),
                      reason=visit.form.get("ly_do", ""), channel=CHANNEL)


def _decide_extension(visit: Visit, task_id: int, version: int | None) -> None:
    request_id = _number(visit.form.get("de_nghi", ""), "đề nghị")
    choice = visit.form.get("quyet_dinh", "")
    if request_id is None or choice not in ("dong-y", "khong"):
        raise InvalidInputError("Hãy chọn đồng ý hoặc không đồng ý.")
    decided = decide_extension(visit.session, clock=visit.clock, actor=visit.actor, request_id=request_id,
                               approve=choice == "dong-y", note=visit.form.get("y_kien", ""), channel=CHANNEL)
    if decided.task_id != task_id:  # a form edited by hand: the decision is the request's, not this page's
        raise NotFoundError(f"Đề nghị số {request_id} không thuộc nhiệm vụ số {task_id}.")


ACTIONS: dict[str, Callable[[Visit, int, int | None], None]] = {
    "ket-qua": _result, "bao-xong": _report_done, "xac-nhan": _confirm, "mo-lai": _reopen, "huy": _cancel,
    "sua": _edit, "gia-han": _ask_extension, "duyet-gia-han": _decide_extension,
}


ROUTES = [Route("/nhiem-vu/{task_id:int}/{action:str}", act, methods=["POST"])]
