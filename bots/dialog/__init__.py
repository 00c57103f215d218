"""The channel-agnostic dialog: an `Inbound` in, `Reply` messages out (bots.messages), the same on every
chat channel. State lives in the database (tracker.usecases.conversations); every change goes through
tracker's use cases. Adapters build one `Dialog` and render buttons with `numbered_text` where their
platform has none."""

from bots.dialog.choices import numbered_text
from bots.dialog.core import Dialog
from bots.dialog.registry import Registry
from bots.dialog.turn import ChannelCaps

__all__ = ["ChannelCaps", "Dialog", "Registry", "numbered_text"]
