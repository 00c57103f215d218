"""/giahan: a unit head asks for more time: the task, a date in words (echoed back to confirm), a reason;
the request use case sends the supervising leader the request with Đồng ý / Không đồng ý buttons."""

from __future__ import annotations

import re
from datetime import date

from bots.dialog import texts
from bots.dialog.help import exit_button
from bots.dialog.picking import task_from_args, task_list
from bots.dialog.registry import Answer, Command, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.access import Action
from tracker.dates import format_day
from tracker.errors import InvalidInputError
from tracker.models import Person, Role, Task
from tracker.usecases.chat_actions import (
    DATE_EXAMPLES,
    extension_deciders,
    read_extension_date,
    task_for_action,
    tasks_for_action,
)
from tracker.usecases.progress import request_extension

FLOW = "giahan"
DATE, CONFIRM, REASON = "gh_date", "gh_confirm", "gh_reason"
REASON_LIMIT = 1000
# "đến cuối tháng 6 vì chờ ý kiến của thành phố": the date, then the reason in the same message.
_BECAUSE = re.compile(r"\s+(?:vì|lý do:?)\s+", re.IGNORECASE)


def command(turn: Turn, args: str) -> list[Reply]:
    """/giahan [số]: the unit's open tasks to choose from, or the task of that number."""
    if turn.person.role not in (Role.UNIT_HEAD, Role.MEMBER):
        return [Reply(texts.UNIT_LISTS_ONLY)]
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.REQUEST_EXTENSION)
    chosen = task_from_args(args)
    if chosen is not None:
        return begin(turn, chosen)
    return task_list(turn, tasks, flow=FLOW, header="Chọn nhiệm vụ cần xin gia hạn:",
                     empty="Đơn vị không có nhiệm vụ nào đang thực hiện.")


def _task(turn: Turn, task_id: int | None = None) -> Task:
    task_id = task_id if task_id is not None else int(turn.data["task"])
    return task_for_action(turn.session, actor=turn.person, task_id=task_id, action=Action.REQUEST_EXTENSION)


def begin(turn: Turn, task_id: int) -> list[Reply]:
    """Start the request on the task (checking the right to ask) and ask for the date."""
    task = _task(turn, task_id)
    turn.begin(DATE, task=task.id)
    return [Reply(f"{texts.task_heading(task, turn.today)}\n\n{_date_question()}\n{texts.EXIT_HINT}")]


def _date_question() -> str:
    return (f"Xin gia hạn đến ngày nào? Ví dụ: {DATE_EXAMPLES}. "
            "Có thể ghi luôn lý do sau chữ «vì», ví dụ: cuối tháng 6 vì chờ ý kiến của thành phố.")


def on_date(turn: Turn, answer: Answer) -> list[Reply]:
    """The date in words (and maybe the reason after «vì»): echo it back for confirmation, or ask again."""
    task = _task(turn)
    if problem := texts.too_long(answer.text, REASON_LIMIT):
        return [Reply(f"{problem} {texts.EXIT_HINT}")]
    date_words, *reason = _BECAUSE.split(answer.text, maxsplit=1)
    try:
        day = read_extension_date(turn.session, clock=turn.clock, actor=turn.person, task_id=task.id or 0,
                                  text=date_words)
    except InvalidInputError as problem:
        turn.goto(DATE)
        return [Reply(f"{problem.message}\n{texts.EXIT_HINT}")]
    turn.goto(CONFIRM, day=day.isoformat(), reason=reason[0].strip() if reason else "")
    return _ask_confirm(turn)


def _ask_confirm(turn: Turn) -> list[Reply]:
    reason = str(turn.data.get("reason", ""))
    because = f"\nLý do: {texts.short(reason, 200)}" if reason else ""
    rows = ((turn.choice("Đồng ý", "yes", "dong y", "co", "ok"), turn.choice("Sửa", "edit", "sua ngay")),
            exit_button(turn))
    return [Reply(f"Gia hạn đến {format_day(_day(str(turn.data['day'])))}?{because}", rows)]


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def on_confirm(turn: Turn, answer: Answer) -> list[Reply]:
    """Đồng ý: ask the reason (or send, when given already); Sửa: ask the date again; a date typed: read it."""
    if answer.choice is None:
        # A date typed instead of a button: read it as the corrected date.
        return on_date(turn, answer)
    if answer.choice == "edit":
        _task(turn)
        turn.goto(DATE)
        return [Reply(f"{_date_question()}\n{texts.EXIT_HINT}")]
    if turn.data.get("reason"):
        return _submit(turn, str(turn.data["reason"]))
    _task(turn)
    turn.goto(REASON)
    return [Reply(f"Lý do xin gia hạn? (bắt buộc)\n{texts.EXIT_HINT}")]


def on_reason(turn: Turn, answer: Answer) -> list[Reply]:
    """The reason typed: send the request."""
    if problem := texts.too_long(answer.text, REASON_LIMIT):
        return [Reply(f"{problem} {texts.EXIT_HINT}")]
    return _submit(turn, answer.text)


def _submit(turn: Turn, reason: str) -> list[Reply]:
    request = request_extension(
        turn.session, clock=turn.clock, actor=turn.person, task_id=int(turn.data["task"]),
        requested_due_on=_day(str(turn.data["day"])), reason=reason, channel=turn.channel,
    )
    deciders = extension_deciders(turn.session, actor=turn.person, request_id=request.id or 0)
    turn.end()
    to = "; ".join(_named(p) for p in deciders) or "lãnh đạo phường"
    return [Reply(f"Đã gửi đề nghị gia hạn nhiệm vụ #{request.task_id} đến ngày "
                  f"{format_day(request.requested_due_on)} tới {to}. Bot sẽ báo khi có quyết định.")]


def _named(person: Person) -> str:
    return f"đồng chí {person.name}" + (f", {person.title}" if person.title else "")


def register(registry: Registry) -> None:
    """Add /giahan, its steps and its flow on a chosen task."""
    registry.add_command(Command(FLOW, command, "xin gia hạn một nhiệm vụ", frozenset({Role.UNIT_HEAD}), "[số]"))
    registry.add_flow(FLOW, begin)
    for name, run in ((DATE, on_date), (CONFIRM, on_confirm), (REASON, on_reason)):
        registry.add_step(Step(name, run, "xin gia hạn", FLOW))
