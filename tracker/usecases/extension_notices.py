"""The leaders' notice of a new extension request: who is asked, the message (template extension_request)
and its Đồng ý / Không đồng ý buttons, enqueued in the request's own transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

# The module, not its names: tracker.outbox imports the use cases package, which imports this module.
from tracker import outbox
from tracker.clock import Clock
from tracker.messages import render
from tracker.models import ExtensionRequest, Person, Task
from tracker.usecases.chat_actions import extension_deciders
from tracker.usecases.common import unit_in_ward, ward_today
from tracker.usecases.conversations import ButtonSpec, issue_buttons, new_token

NOTICE_KIND = "extension_request"
# The chat action the buttons carry; the dialog registers its handler under this name.
DECIDE_ACTION = "ext_decide"
# A leader may answer the next day, or after a weekend.
DECISION_BUTTON_LIFETIME = timedelta(days=7)


def notify_deciders(session: Session, *, clock: Clock, actor: Person, request: ExtensionRequest,
                    task: Task) -> list[Person]:
    """Enqueue, for each leader asked to decide `request` (chat_actions.extension_deciders), the message
    saying who asks, for which task, until when and why, with the two commands that decide it and, where
    the leader has a reachable chat, buttons valid in that chat for DECISION_BUTTON_LIFETIME. Keyed per
    request and leader, so nothing is sent twice. Returns the leaders. Does not commit."""
    unit = unit_in_ward(session, org_id=task.org_id, unit_id=task.owner_unit_id)
    body = render(NOTICE_KIND, request_id=request.id, unit_name=unit.name,
                  asker=f"{actor.title} {actor.name}".strip(), task_id=task.id, task_title=task.title,
                  requested_due_on=request.requested_due_on, due_on=task.due_on, reason=request.reason)
    deciders = extension_deciders(session, actor=actor, request_id=request.id or 0)
    today = ward_today(session, clock, task.org_id)
    for leader in deciders:
        outbox.enqueue(session, clock=clock, org_id=task.org_id, person_id=leader.id or 0, kind=NOTICE_KIND, day=today,
                body=body, key=f"{NOTICE_KIND}:{request.id}:{leader.id}",
                buttons=_decision_buttons(session, clock, leader, request.id or 0))
    return deciders


def _decision_buttons(session: Session, clock: Clock, leader: Person, request_id: int) -> list[list[dict[str, str]]]:
    """Đồng ý / Không đồng ý under the leader's message, as tokens valid only in the chat the message goes
    to (the one the outbox picks). None reachable: no buttons, the message's commands still work."""
    chat = outbox.reachable_chat(session, leader.id or 0)
    if chat is None:
        return []
    specs = [(new_token(), ButtonSpec(label=label, action=DECIDE_ACTION, payload={"request": request_id,
                                                                               "approve": approve}))
             for label, approve in ((f"Đồng ý số {request_id}", True), (f"Không đồng ý số {request_id}", False))]
    issue_buttons(session, clock=clock, channel=chat.channel, chat_id=chat.external_id, person_id=leader.id,
                  buttons=specs, lifetime=DECISION_BUTTON_LIFETIME)
    return [[{"label": spec.label, "data": token} for token, spec in specs]]
