"""/duyet_gh and /tuchoi_gh: a leader approves or refuses an extension request. The unit learns the decision
from the extension-notice job (jobs/extensions.py)."""

from __future__ import annotations

import re
from typing import Any

from bots.dialog import texts
from bots.dialog.registry import Answer, Command, Registry, Step
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.access import Action, require
from tracker.dates import format_day
from tracker.errors import InvalidInputError
from tracker.messages import LIST_LIMIT, render
from tracker.models import Role
from tracker.usecases.chat_actions import extension_request_for
from tracker.usecases.extension_notices import DECIDE_ACTION
from tracker.usecases.progress import decide_extension, list_extension_requests

REFUSE_REASON = "gh_refuse"
NOTE_LIMIT = 1000
LEADERS = frozenset({Role.LEADER})
_ARGS = re.compile(r"^#?(\d{1,9})\s*(.*)$", re.DOTALL)


def _parse(args: str) -> tuple[int, str] | None:
    if not args.strip():
        return None
    match = _ARGS.match(args.strip())
    if match is None:
        raise InvalidInputError("Hãy ghi số đề nghị gia hạn, ví dụ: /duyet_gh 12.")
    return int(match.group(1)), match.group(2).strip()


def approve(turn: Turn, args: str) -> list[Reply]:
    """/duyet_gh [số [ghi chú]]: approve a request, or list the pending ones with buttons."""
    parsed = _parse(args)
    if parsed is None:
        return pending(turn)
    return decide(turn, parsed[0], approved=True, note=parsed[1])


def refuse(turn: Turn, args: str) -> list[Reply]:
    """/tuchoi_gh [số [lý do]]: refuse a request (the reason is asked for when missing), or list them."""
    parsed = _parse(args)
    if parsed is None:
        return pending(turn)
    request_id, reason = parsed
    return decide(turn, request_id, approved=False, note=reason) if reason else ask_reason(turn, request_id)


def pending(turn: Turn) -> list[Reply]:
    """The ward's pending requests, each with Đồng ý / Không đồng ý buttons."""
    require(turn.person, Action.DECIDE_EXTENSION, org_id=turn.person.org_id)
    requests = list_extension_requests(turn.session, actor=turn.person)
    shown = [extension_request_for(turn.session, actor=turn.person, request_id=request.id or 0)
             for request in requests[:LIST_LIMIT]]
    rows = tuple((turn.button(f"Đồng ý số {request.id}", DECIDE_ACTION, request=request.id, approve=True),
                  turn.button(f"Không đồng ý số {request.id}", DECIDE_ACTION, request=request.id, approve=False))
                 for request, _ in shown)
    listed = shown + [(request, None) for request in requests[len(shown):]]
    return [Reply(render("chat/extension_requests", requests=listed), rows)]


def press_decision(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """A button of the pending list: approve at once, or ask the reason for a refusal."""
    request_id = int(payload["request"])
    if payload.get("approve"):
        return decide(turn, request_id, approved=True, note="")
    return ask_reason(turn, request_id)


def ask_reason(turn: Turn, request_id: int) -> list[Reply]:
    """Wait for the reason of a refusal (only a leader gets this far; the use case checks again)."""
    require(turn.person, Action.DECIDE_EXTENSION, org_id=turn.person.org_id)
    request, task = extension_request_for(turn.session, actor=turn.person, request_id=request_id)
    turn.begin(REFUSE_REASON, request=request.id)
    return [Reply(f"Lý do không đồng ý gia hạn nhiệm vụ #{task.id} đến {format_day(request.requested_due_on)}?\n"
                  f"{texts.EXIT_HINT}")]


def on_reason(turn: Turn, answer: Answer) -> list[Reply]:
    """The reason typed: refuse the request with it."""
    if problem := texts.too_long(answer.text, NOTE_LIMIT):
        return [Reply(f"{problem} {texts.EXIT_HINT}")]
    return decide(turn, int(turn.data["request"]), approved=False, note=answer.text)


def decide(turn: Turn, request_id: int, *, approved: bool, note: str) -> list[Reply]:
    """Record the decision (the use case checks that the person is a leader and that nobody decided
    first) and say what happens next."""
    decide_extension(turn.session, clock=turn.clock, actor=turn.person, request_id=request_id, approve=approved,
                     note=note, channel=turn.channel)
    turn.end()
    request, task = extension_request_for(turn.session, actor=turn.person, request_id=request_id)
    day = format_day(request.requested_due_on)
    if approved:
        return [Reply(f"Đã đồng ý gia hạn nhiệm vụ #{task.id} đến {day}. Đơn vị sẽ nhận được thông báo.")]
    return [Reply(f"Đã không đồng ý gia hạn nhiệm vụ #{task.id} đến {day}. "
                  f"Lý do: {texts.short(note, 200)}. Đơn vị sẽ nhận được thông báo.")]


def register(registry: Registry) -> None:
    """Add /duyet_gh, /tuchoi_gh, the decision buttons and the refusal reason step."""
    registry.add_command(Command("duyet_gh", approve, "đồng ý gia hạn (không ghi số: danh sách chờ duyệt)",
                                 LEADERS, "[số]"))
    registry.add_command(Command("tuchoi_gh", refuse, "không đồng ý gia hạn, kèm lý do", LEADERS, "số lý do"))
    registry.add_action(DECIDE_ACTION, press_decision)
    registry.add_step(Step(REFUSE_REASON, on_reason, "không đồng ý gia hạn", "duyet_gh"))
