"""Typed configuration: the environment (secrets, database) and one TOML file per ward."""

from tracker.config.settings import Settings
from tracker.config.ward import PersonConfig, PolicyConfig, UnitConfig, WardConfig, load_ward_file

__all__ = ["PersonConfig", "PolicyConfig", "Settings", "UnitConfig", "WardConfig", "load_ward_file"]
