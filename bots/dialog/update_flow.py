"""/capnhat: a unit reports on a task: the result, a forecast, a recommendation, and whether it is finished.
Replying to the morning reminder starts it on the reminder's tasks."""

from __future__ import annotations

import re

from bots.dialog import texts
from bots.dialog.help import exit_button
from bots.dialog.picking import PICK, task_from_args, task_list
from bots.dialog.registry import UNIT_PEOPLE, Answer, Command, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.access import Action, may
from tracker.dates import month_words
from tracker.messages import render
from tracker.models import Task, TaskStatus
from tracker.usecases.chat_actions import task_for_action, tasks_for_action
from tracker.usecases.progress import record_update

FLOW = "capnhat"
RESULT, FORECAST, RECOMMEND, FINISHED = "cu_result", "cu_forecast", "cu_recommend", "cu_done"
RESULT_LIMIT, FORECAST_LIMIT, RECOMMEND_LIMIT = 3000, 500, 2000
FORECASTS = {
    "month": "Hoàn thành trong tháng",
    "next": "Dự kiến hoàn thành tháng sau",
    "unknown": "Chưa xác định",
}
_TASK_REF = re.compile(r"#(\d{1,9})\b")


def command(turn: Turn, args: str) -> list[Reply]:
    """/capnhat [số]: the list of the unit's open tasks to choose from, or the task of that number."""
    if turn.person.role not in UNIT_PEOPLE:
        return [Reply(texts.UNIT_LISTS_ONLY)]
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.RECORD_UPDATE)
    chosen = task_from_args(args)
    if chosen is not None:
        return begin(turn, chosen)
    return task_list(turn, tasks, flow=FLOW, header="Chọn nhiệm vụ cần báo cáo kết quả:",
                     empty="Đơn vị không có nhiệm vụ nào đang thực hiện để báo cáo.")


def start(turn: Turn, task_id: int) -> list[Reply]:
    """The flow on one task; a result typed before the task was chosen (a reply to a reminder) is kept."""
    draft = str(turn.data.get("draft", "")) if turn.state.step == PICK else ""
    return begin(turn, task_id, draft)


def begin(turn: Turn, task_id: int, draft: str = "") -> list[Reply]:
    """Start the report on the task (checking the right to report on it) and ask for the result, or go
    straight to the forecast with `draft` as the result."""
    task = task_for_action(turn.session, actor=turn.person, task_id=task_id, action=Action.RECORD_UPDATE)
    turn.begin(RESULT, task=task.id)
    if draft:
        return _take_result(turn, task, draft)
    return [Reply(f"{texts.task_heading(task, turn.today)}\n\nNhập kết quả thực hiện, ví dụ: Đã ban hành Kế hoạch "
                  f"số 175/KH-UBND ngày 06/5/2026.\n{texts.EXIT_HINT}")]


def _task(turn: Turn) -> Task:
    # Every step asks again: the person may have lost the right, or the task moved, since the last one.
    return task_for_action(turn.session, actor=turn.person, task_id=int(turn.data["task"]),
                           action=Action.RECORD_UPDATE)


def on_result(turn: Turn, answer: Answer) -> list[Reply]:
    """The result typed: keep it and ask for the forecast."""
    task = _task(turn)
    if problem := texts.too_long(answer.text, RESULT_LIMIT):
        return [Reply(f"{problem} {texts.EXIT_HINT}")]
    return _take_result(turn, task, answer.text)


def _take_result(turn: Turn, task: Task, result: str) -> list[Reply]:
    turn.goto(FORECAST, result=result[:RESULT_LIMIT])
    return _ask_forecast(turn, f"Kết quả: «{texts.short(result, 200)}»\n\n")


def _ask_forecast(turn: Turn, before: str = "") -> list[Reply]:
    rows = [(turn.choice(label, key),) for key, label in FORECASTS.items()] + [exit_button(turn)]
    return [Reply(f"{before}Dự báo khả năng hoàn thành mục tiêu? Chọn một dòng, hoặc tự viết.", tuple(rows))]


def on_forecast(turn: Turn, answer: Answer) -> list[Reply]:
    """A forecast chosen or typed: keep it and ask for a recommendation."""
    _task(turn)
    if answer.choice is None and (problem := texts.too_long(answer.text, FORECAST_LIMIT)):
        return _ask_forecast(turn, f"{problem}\n")
    turn.goto(RECOMMEND, forecast=FORECASTS.get(answer.choice or "", answer.text))
    return _ask_recommendation(turn)


def _ask_recommendation(turn: Turn, before: str = "") -> list[Reply]:
    rows = ((turn.choice("Không có", "none", "khong", "ko"),), exit_button(turn))
    return [Reply(f"{before}Kiến nghị, đề xuất (nếu có)? Viết kiến nghị, hoặc chọn «Không có».", rows)]


def on_recommendation(turn: Turn, answer: Answer) -> list[Reply]:
    """A recommendation (or none): ask whether the task is finished when the person may say so, else save."""
    task = _task(turn)
    if answer.choice is None and (problem := texts.too_long(answer.text, RECOMMEND_LIMIT)):
        return _ask_recommendation(turn, f"{problem}\n")
    turn.goto(FINISHED, recommendation="" if answer.choice == "none" else answer.text)
    if task.status == TaskStatus.OPEN and may(turn.person, Action.REPORT_DONE, org_id=task.org_id,
                                              unit_id=task.owner_unit_id):
        return _ask_finished(turn)
    return _save(turn, finished=False)


def _ask_finished(turn: Turn, before: str = "") -> list[Reply]:
    rows = ((turn.choice("Có", "yes", "roi", "da xong", "xong"), turn.choice("Chưa", "no", "khong", "chua xong")),
            exit_button(turn))
    return [Reply(f"{before}Nhiệm vụ đã hoàn thành chưa?", rows)]


def on_finished(turn: Turn, answer: Answer) -> list[Reply]:
    """Có or Chưa: save the report, with completion on Có."""
    if answer.choice not in ("yes", "no"):
        return _ask_finished(turn, "Hãy chọn Có hoặc Chưa. ")
    return _save(turn, finished=answer.choice == "yes")


def _save(turn: Turn, *, finished: bool) -> list[Reply]:
    data = turn.data
    update = record_update(
        turn.session, clock=turn.clock, actor=turn.person, task_id=int(data["task"]), result_text=data["result"],
        forecast=data.get("forecast", ""), recommendation=data.get("recommendation", ""),
        reports_completion=finished, channel=turn.channel,
    )
    turn.end()
    return [Reply(render("chat/update_saved", update=update, month=month_words(update.month), finished=finished))]


def from_reminder(turn: Turn, text: str) -> list[Reply] | None:
    """A reply to a reminder (its lines carry "#12"): /capnhat on the reminder's tasks that the person may
    still report on, or on the unit's list when none is left. A reply of a few words or more is kept as
    the result. None for a reply to any other message."""
    ids = {int(n) for n in _TASK_REF.findall(turn.inbound.reply_to)}
    if (not ids and "NHẮC VIỆC" not in turn.inbound.reply_to) or turn.person.role not in UNIT_PEOPLE:
        return None
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.RECORD_UPDATE)
    named = [t for t in tasks if t.id in ids]
    draft = text if len(text.split()) >= 3 else ""
    if len(named) == 1:
        return begin(turn, named[0].id or 0, draft)
    return task_list(turn, named or tasks, flow=FLOW, draft=draft,
                     header="Đồng chí báo cáo cho nhiệm vụ nào? Chọn số:",
                     empty="Đơn vị không có nhiệm vụ nào đang thực hiện để báo cáo.")


def register(registry: Registry) -> None:
    """Add /capnhat, its steps, its flow on a chosen task and the reply-to-reminder starter."""
    registry.add_command(Command(FLOW, command, "báo cáo kết quả một nhiệm vụ", UNIT_PEOPLE, "[số]"))
    registry.add_flow(FLOW, start)
    activity = "báo cáo kết quả"
    for name, run in ((RESULT, on_result), (FORECAST, on_forecast), (RECOMMEND, on_recommendation),
                      (FINISHED, on_finished)):
        registry.add_step(Step(name, run, activity, FLOW))
    registry.reply_starters.append(from_reminder)
