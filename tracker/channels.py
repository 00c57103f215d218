"""The channels this deployment can reach people on, by name, with the names people read.

The channels themselves are plug-ins in bots/ (bots/channels.py lists them). Each registers its name and
label here when that list is imported, which every process that binds chats, sends or shows channels does
(the command line, the service, the sender); so the domain can check a channel's name and word its notices
without depending on bots/."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelName:
    """A channel as the domain knows it: `name` as stored on bindings and outbox rows ("zalo"), `label` as
    people read it ("Zalo"), and whether people bind chats on it (`chat`), which the log is not."""

    name: str
    label: str
    chat: bool = True


_KNOWN: dict[str, ChannelName] = {}


def register_channel(name: str, label: str, *, chat: bool = True) -> None:
    """Make the channel `name` known; registering it again replaces its label."""
    _KNOWN[name] = ChannelName(name=name, label=label, chat=chat)


def chat_channels() -> dict[str, str]:
    """The channels people bind chats on, name to label, in the order they were registered."""
    return {known.name: known.label for known in _KNOWN.values() if known.chat}


def is_channel(name: str) -> bool:
    """Whether `name` is a registered channel (a chat channel or the log)."""
    return name in _KNOWN


def channel_label(name: str) -> str:
    """The name people read for a channel ("Zalo"); an unknown channel keeps its own name."""
    known = _KNOWN.get(name)
    return known.label if known else name
