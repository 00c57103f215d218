"""Typed configuration: the environment (secrets, database) and one TOML file per ward.

The names load on first use (PEP 562): pydantic-settings alone takes a third of a second to import, and
commands such as `tracker deadline` need no settings at all."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tracker.config.settings import Settings
    from tracker.config.ward import PersonConfig, PolicyConfig, UnitConfig, WardConfig, load_ward_file

_HOMES = {"Settings": "settings", "PersonConfig": "ward", "PolicyConfig": "ward", "UnitConfig": "ward",
          "WardConfig": "ward", "load_ward_file": "ward"}

__all__ = ["PersonConfig", "PolicyConfig", "Settings", "UnitConfig", "WardConfig", "load_ward_file"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"tracker.config.{_HOMES[name]}"), name)
