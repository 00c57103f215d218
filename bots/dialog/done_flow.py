"""/xong: a unit head says a task is finished; office staff or a leader confirm it later."""

from __future__ import annotations

from bots.dialog import texts
from bots.dialog.picking import task_from_args, task_list
from bots.dialog.registry import Command, Registry
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.access import Action
from tracker.models import Role
from tracker.usecases.chat_actions import tasks_for_action
from tracker.usecases.tasks import report_done

FLOW = "xong"


def command(turn: Turn, args: str) -> list[Reply]:
    """/xong [số thứ tự | #số]: the unit's open tasks to choose from, or the chosen one reported done.
    A member is refused by the use case (only the unit head reports completion)."""
    if turn.person.role not in (Role.UNIT_HEAD, Role.MEMBER):
        return [Reply(texts.UNIT_LISTS_ONLY)]
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.REPORT_DONE)
    chosen = task_from_args(args, tasks)
    if chosen is not None:
        return finish(turn, chosen)
    return task_list(turn, tasks, flow=FLOW, header="Chọn nhiệm vụ đã hoàn thành:",
                     empty="Đơn vị không có nhiệm vụ nào đang thực hiện.")


def finish(turn: Turn, task_id: int) -> list[Reply]:
    """Report the task done (the use case checks the person's rights and the task's state again)."""
    task = report_done(turn.session, clock=turn.clock, actor=turn.person, task_id=task_id, channel=turn.channel)
    turn.end()
    return [Reply(f"Đã báo hoàn thành nhiệm vụ #{task.id}: {texts.short(task.title)}\n"
                  "Nhiệm vụ chờ Văn phòng xác nhận. Nếu báo nhầm, đề nghị Văn phòng mở lại.")]


def register(registry: Registry) -> None:
    """Add /xong and its flow on a chosen task."""
    registry.add_command(Command(FLOW, command, "báo một nhiệm vụ đã hoàn thành", frozenset({Role.UNIT_HEAD}),
                                 "[số]"))
    registry.add_flow(FLOW, finish)
