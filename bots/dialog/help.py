"""/trogiup, /thoat and the lines that tell a person what they may do."""

from __future__ import annotations

from typing import Any

from bots.dialog import texts
from bots.dialog.registry import EVERYONE, Command, Registry
from bots.dialog.turn import Turn
from bots.messages import Button, Reply
from tracker.messages import render
from tracker.models import Role


def show_help(turn: Turn, args: str) -> list[Reply]:
    """/trogiup: the commands of the person's role."""
    return [Reply(render("chat/help", commands=turn.registry.commands_for(Role(turn.person.role))))]


def leave(turn: Turn, args: str) -> list[Reply]:
    # run_command already ended the conversation; say whether there was one.
    """/thoat: leave the conversation in progress, if any."""
    return [Reply(texts.STOPPED if turn.interrupted else texts.NOTHING_TO_STOP)]


def leave_by_button(turn: Turn, payload: dict[str, Any]) -> list[Reply]:
    """The "Thoát" button: leave the conversation in progress, if any."""
    had_step = bool(turn.state.step)
    turn.end()
    return [Reply(texts.STOPPED if had_step else texts.NOTHING_TO_STOP)]


def exit_button(turn: Turn) -> tuple[Button]:
    """A row with the "Thoát" button, for the replies of a step."""
    return (turn.button(texts.EXIT_LABEL, "exit"),)


def register(registry: Registry) -> None:
    """Add /trogiup, /thoat and the "Thoát" button."""
    registry.add_command(Command("trogiup", show_help, "các lệnh đồng chí dùng được", EVERYONE))
    registry.add_command(Command("thoat", leave, "thoát thao tác đang làm dở", EVERYONE))
    registry.add_action("exit", leave_by_button)
