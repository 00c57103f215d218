"""/kenh: the chats a person has bound, which one gets the reminders, and a button per channel to choose."""

from __future__ import annotations

from typing import Any

from bots.dialog.registry import EVERYONE, Command, Registry
from bots.dialog.turn import Turn
from bots.messages import Reply
from tracker.channels import channel_label
from tracker.messages import render
from tracker.outbox import reachable_chat
from tracker.usecases.people import chat_bindings, set_preferred_channel

CHOOSE_CHANNEL = "choose_channel"


def show_channels(turn: Turn, args: str) -> list[Reply]:
    """/kenh: the person's bound channels and the one their scheduled messages go to; with two channels
    bound, a button for each ("Telegram", "Zalo") to choose; with one, how to bind the other."""
    bindings = chat_bindings(turn.session, actor=turn.person)
    channels = list(dict.fromkeys(identity.channel for identity in bindings))
    receiving = reachable_chat(turn.session, turn.person.id or 0)
    text = render("chat/channels", bindings=bindings, receiving=receiving.channel if receiving else "",
                  can_choose=len(channels) >= 2)
    if len(channels) < 2:
        return [Reply(text)]
    row = tuple(turn.button(channel_label(channel), CHOOSE_CHANNEL, channel=channel) for channel in channels)
    return [Reply(text, (row,))]


def choose_channel(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """A channel's button: it becomes the person's preferred channel (audited, through the use case), and
    the reply says where messages go now, which is another chat while the chosen one cannot be reached."""
    chosen = str(payload.get("channel", ""))
    set_preferred_channel(turn.session, clock=turn.clock, actor=turn.person, person_id=turn.person.id or 0,
                          channel=chosen, via=turn.channel)
    identity = reachable_chat(turn.session, turn.person.id or 0)
    label = channel_label(chosen)
    if identity is not None and identity.channel == chosen:
        return [Reply(f"Đã chọn {label}: từ nay nhắc việc và tin nhắn định kỳ gửi qua {label}.")]
    return [Reply(f"Đã chọn {label}, nhưng bot chưa gửi được tin qua {label} nên tạm thời vẫn gửi qua kênh "
                  "còn liên lạc được.")]


def register(registry: Registry) -> None:
    """Add /kenh and its channel buttons."""
    registry.add_command(Command("kenh", show_channels, "chọn kênh chat nhận nhắc việc", EVERYONE))
    registry.add_action(CHOOSE_CHANNEL, choose_channel)
