"""Where the dialog finds what to do: commands, conversation steps, button actions, flows on a task, and
starters for a reply to one of the bot's messages. Each handler module adds its own in `register`, so the
office's and leaders' commands slot in as more modules without touching the core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bots.messages import Reply
from tracker.models import Role

if TYPE_CHECKING:
    from bots.dialog.turn import Turn


@dataclass(frozen=True)
class Answer:
    """What a person gave a step: typed `text`, or the `choice` value of one of the step's buttons
    (pressed, or typed as its number or words)."""

    text: str = ""
    choice: str | None = None


CommandHandler = Callable[["Turn", str], list[Reply]]
StepHandler = Callable[["Turn", Answer], list[Reply]]
ActionHandler = Callable[["Turn", dict[str, Any]], list[Reply]]
FlowStarter = Callable[["Turn", int], list[Reply]]
ReplyStarter = Callable[["Turn", str], list[Reply] | None]
FileHandler = Callable[["Turn"], list[Reply]]

EVERYONE = frozenset(Role)
UNIT_PEOPLE = frozenset({Role.UNIT_HEAD, Role.MEMBER})


@dataclass(frozen=True)
class Command:
    """A slash command (`name` without the slash). `roles` are those /trogiup lists it for; the use cases
    decide who may really do it."""

    name: str
    run: CommandHandler
    summary: str
    roles: frozenset[Role] = EVERYONE
    usage: str = ""


@dataclass(frozen=True)
class Step:
    """A point where the dialog waits for an answer. `activity` names it in a sentence ("cập nhật kết
    quả") and `command` restarts it, both for the note when the step expires."""

    name: str
    run: StepHandler
    activity: str
    command: str


@dataclass
class Registry:
    """Every command, step, action, flow and reply starter the dialog knows, by name."""
    commands: dict[str, Command] = field(default_factory=dict)
    steps: dict[str, Step] = field(default_factory=dict)
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    flows: dict[str, FlowStarter] = field(default_factory=dict)
    reply_starters: list[ReplyStarter] = field(default_factory=list)
    file_handler: FileHandler | None = None

    def add_command(self, command: Command) -> None:
        """Add a command; a name already taken is a programming error (ValueError)."""
        self._unique(self.commands, command.name)
        self.commands[command.name] = command

    def add_step(self, step: Step) -> None:
        """Add a step; a name already taken is a programming error (ValueError)."""
        self._unique(self.steps, step.name)
        self.steps[step.name] = step

    def add_action(self, name: str, handler: ActionHandler) -> None:
        """Add a button action; a name already taken is a programming error (ValueError)."""
        self._unique(self.actions, name)
        self.actions[name] = handler

    def add_flow(self, name: str, starter: FlowStarter) -> None:
        """A flow starts on one task (a task button of a list, a number typed after it)."""
        self._unique(self.flows, name)
        self.flows[name] = starter

    def commands_for(self, role: Role) -> list[Command]:
        """The commands /trogiup shows a person of `role`, in the order they were added."""
        return [c for c in self.commands.values() if role in c.roles]

    @staticmethod
    def _unique(table: dict[str, Any], name: str) -> None:
        if name in table:
            raise ValueError(f"{name!r} is registered twice")
