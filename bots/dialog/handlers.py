"""The handler modules of the dialog, in the order /trogiup lists their commands. A new group of commands
(the office's, the leaders') is one more module with a `register(registry)` function, added here."""

from __future__ import annotations

from bots.dialog import (
    binding,
    channel_choice,
    done_flow,
    extension_decisions,
    extension_flow,
    help,
    office_import,
    office_reports,
    office_review,
    picking,
    task_lists,
    update_flow,
    ward_views,
)
from bots.dialog.registry import Registry

MODULES = (binding, task_lists, picking, update_flow, done_flow, extension_flow, extension_decisions,
           ward_views, office_review, office_reports,
           office_import, channel_choice, help)


def default_registry() -> Registry:
    """A registry with every handler module's commands, steps, actions and flows."""
    registry = Registry()
    for module in MODULES:
        module.register(registry)
    return registry
