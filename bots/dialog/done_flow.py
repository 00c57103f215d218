"""/xong: a unit head says a task is finished; office staff or a leader confirm it later. A task chosen in
the list is reported at once; one named by its number in the command is shown with its title first and
reported on "Đồng ý", so that a mistyped number never closes the wrong task."""

from __future__ import annotations

from bots.dialog import texts
from bots.dialog.help import exit_button
from bots.dialog.picking import task_from_args, task_list
from bots.dialog.registry import Answer, Command, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.access import Action
from tracker.models import Role
from tracker.usecases.chat_actions import task_for_action, tasks_for_action
from tracker.usecases.tasks import report_done

FLOW = "xong"
CONFIRM = "xong_confirm"


def command(turn: Turn, args: str) -> list[Reply]:
    """/xong [số]: the unit's open tasks to choose from, or the numbered one to confirm.
    A member is refused by the use case (only the unit head reports completion)."""
    if turn.person.role not in (Role.UNIT_HEAD, Role.MEMBER):
        return [Reply(texts.UNIT_LISTS_ONLY)]
    tasks = tasks_for_action(turn.session, actor=turn.person, action=Action.REPORT_DONE)
    chosen = task_from_args(args)
    if chosen is not None:
        return ask_confirm(turn, chosen)
    return task_list(turn, tasks, flow=FLOW, header="Chọn nhiệm vụ đã hoàn thành:",
                     empty="Đơn vị không có nhiệm vụ nào đang thực hiện.")


def ask_confirm(turn: Turn, task_id: int) -> list[Reply]:
    """The task named in the command, with its title, and Đồng ý / Thoát (the rights are checked now and
    again on Đồng ý)."""
    task = task_for_action(turn.session, actor=turn.person, task_id=task_id, action=Action.REPORT_DONE)
    turn.begin(CONFIRM, task=task.id)
    return [Reply(f"Báo hoàn thành {texts.task_heading(task, turn.today)}?",
                  ((turn.choice("Đồng ý", "yes", "dong y", "co", "ok"),), exit_button(turn)))]


def on_confirm(turn: Turn, answer: Answer) -> list[Reply]:
    """Đồng ý reports the task done; anything else asks again."""
    if answer.choice != "yes":
        return [Reply(f"Chọn Đồng ý để báo hoàn thành nhiệm vụ #{turn.data['task']}, hoặc gửi /thoat để dừng.")]
    return finish(turn, int(turn.data["task"]))


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
    registry.add_step(Step(CONFIRM, on_confirm, "báo hoàn thành", FLOW))
